#!/usr/bin/env node
'use strict';
// Parses service URLs into shell assignments for the dev scripts (eval'd by bash).
// Usage: node url-env.cjs PREFIX URL DEFAULT_PORT [PREFIX URL DEFAULT_PORT ...]
// Prints PREFIX_HOST, PREFIX_PORT, PREFIX_USER, PREFIX_PASS, PREFIX_DB (path without '/').
// Only the first server of a comma-separated list is used (e.g. NATS_URL=nats://a:4222,nats://b:4222).

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const args = process.argv.slice(2);
if (args.length === 0 || args.length % 3 !== 0) {
  console.error('usage: url-env.cjs PREFIX URL DEFAULT_PORT ...');
  process.exit(2);
}
const out = [];
for (let i = 0; i < args.length; i += 3) {
  const [prefix, raw, defPort] = args.slice(i, i + 3);
  let first = raw.split(',')[0].trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(first)) first = `tcp://${first}`;
  let u;
  try {
    u = new URL(first);
  } catch {
    console.error(`${prefix}: cannot parse URL (${prefix === 'PG' ? 'DATABASE_URL' : prefix + '_URL'})`);
    process.exit(1);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  out.push(`${prefix}_HOST=${q(host)}`);
  out.push(`${prefix}_PORT=${q(u.port || defPort)}`);
  out.push(`${prefix}_USER=${q(decodeURIComponent(u.username))}`);
  out.push(`${prefix}_PASS=${q(decodeURIComponent(u.password))}`);
  out.push(`${prefix}_DB=${q(decodeURIComponent(u.pathname.replace(/^\//, '')))}`);
}
process.stdout.write(out.join('\n') + '\n');
