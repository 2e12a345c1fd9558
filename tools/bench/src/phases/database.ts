import { Client } from 'pg';
import type { StorageFootprint } from '../results';

/**
 * Between phases: vacuum and analyze what the last phase wrote, and checkpoint, so that
 * autovacuum and a checkpoint triggered by one phase do not run during the next.
 */
export async function settleDatabase(databaseUrl: string): Promise<void> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('VACUUM (ANALYZE) message_store.chats, message_store.chat_members, message_store.messages');
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

export async function walLsn(databaseUrl: string): Promise<string> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
  } finally {
    await c.end();
  }
}

/** Bytes per stored message (table + indexes) and WAL per acked message of the 1:1 run. */
export async function storageFootprint(
  databaseUrl: string,
  walBefore: string,
  acked: number,
): Promise<StorageFootprint> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const wal = (
      await c.query<{ b: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS b', [walBefore])
    ).rows[0].b;
    const size = (
      await c.query<{ bytes: string; n: string }>(
        `SELECT (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'message_store.messages'::regclass)::bigint AS bytes,
                (SELECT count(*) FROM message_store.messages) AS n`,
      )
    ).rows[0];
    const n = Number(size.n);
    return {
      messages: n,
      bytesPerMessage: Math.round(Number(size.bytes) / Math.max(1, n)),
      walBytesPerMessage: Math.round(Number(wal) / Math.max(1, acked)),
    };
  } finally {
    await c.end();
  }
}
