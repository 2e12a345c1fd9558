import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Server URL the tests use: the caller's, TEST_DATABASE_URL, else DATABASE_URL's server, else local. */
function serverUrl(server?: string): URL {
  const url = new URL(
    server ??
      process.env.TEST_DATABASE_URL ??
      process.env.DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
  );
  url.pathname = '/postgres';
  return url;
}

async function withAdmin<T>(server: string | undefined, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl(server).toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A database of its own for one test file, so parallel runs never collide. */
export async function createTestDatabase(label = 'test', server?: string): Promise<TestDatabase> {
  const name = `parley_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await withAdmin(server, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = serverUrl(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(server, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}
