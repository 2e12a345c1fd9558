#!/usr/bin/env node
'use strict';
// Creates the database named in DATABASE_URL if it does not exist (fallback when psql is absent).
// Uses the `pg` package from the repo's node_modules. Never prints the password.
const path = require('node:path');

async function main() {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/parley';
  let pg;
  try {
    pg = require(require.resolve('pg', { paths: [path.resolve(__dirname, '../..'), process.cwd()] }));
  } catch {
    throw new Error('neither psql nor the npm package pg is available (run npm ci, or install postgresql-client)');
  }
  const target = new URL(url);
  const db = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!db) throw new Error('DATABASE_URL names no database');
  let lastErr;
  for (const admin of ['postgres', 'template1']) {
    const u = new URL(url);
    u.pathname = `/${admin}`;
    const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (rowCount === 0) {
        try {
          await client.query(`CREATE DATABASE "${db.replace(/"/g, '""')}"`);
          console.log(`created database ${db}`);
        } catch (e) {
          if (e.code !== '42P04') throw e; // duplicate_database: created concurrently
        }
      }
      return;
    } catch (e) {
      lastErr = e;
      if (e.code !== '3D000') break; // only retry when the admin database itself is missing
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw lastErr;
}

main().catch((e) => {
  console.error(`pg-create-db: ${e.message}`);
  process.exit(1);
});
