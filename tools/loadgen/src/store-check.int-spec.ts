import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { checkStored, type StoredRef } from './store-check';

const server =
  process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The PostgreSQL half of the zero-loss check, against a real database. */
describe('checkStored (real PostgreSQL)', () => {
  const name = `parley_loadgen_${randomBytes(4).toString('hex')}`;
  const url = new URL(server);
  let admin: Client;
  let db: Client;
  beforeAll(async () => {
    url.pathname = '/postgres';
    admin = new Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    url.pathname = `/${name}`;
    db = new Client({ connectionString: url.toString() });
    await db.connect();
    // The columns the check reads, as in message_store.messages.
    await db.query(
      `CREATE SCHEMA message_store; CREATE TABLE message_store.messages (chat_id uuid, seq bigint, id uuid, PRIMARY KEY (chat_id, seq))`,
    );
  });
  afterAll(async () => {
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin?.end();
  });

  it('passes what is stored and catches an acked message that is not, or is stored under another id', async () => {
    const chat = randomUUID();
    const acked: StoredRef[] = [1, 2, 3].map((seq) => ({ chatId: chat, seq, id: randomUUID() }));
    for (const a of acked)
      await db.query(`INSERT INTO message_store.messages VALUES ($1, $2, $3)`, [a.chatId, a.seq, a.id]);
    expect(await checkStored(url.toString(), acked)).toEqual({ checked: 3, missing: 0, examples: [] });

    // Planted: one row deleted, one acked id that differs from the stored one.
    await db.query(`DELETE FROM message_store.messages WHERE seq = 2`);
    const wrongId = { ...acked[2], id: randomUUID() };
    const report = await checkStored(url.toString(), [acked[0], acked[1], wrongId]);
    expect(report.missing).toBe(2);
    expect(report.examples).toEqual([
      `chat ${chat} seq 2 (id ${acked[1].id}) acked but not stored`,
      `chat ${chat} seq 3 (id ${wrongId.id}) acked but not stored`,
    ]);
  });
});
