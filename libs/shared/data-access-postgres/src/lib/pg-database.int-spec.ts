import { Pool } from 'pg';
import { PgDatabase } from './pg-database';

describe('PgDatabase.transaction (real PostgreSQL)', () => {
  // No table is touched: the server's own database will do.
  const url =
    process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  let pool: Pool;
  let admin: Pool;
  beforeAll(() => {
    pool = new Pool({ connectionString: url, max: 2 });
    admin = new Pool({ connectionString: url, max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.end();
  });

  it('a connection dropped inside a transaction (PostgreSQL restarted) fails the transaction, not the process', async () => {
    const database = new PgDatabase(pool);
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const attempt = database.transaction(async (tx) => {
        const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await tx.query('SELECT pg_sleep(0.2)');
      });
      await expect(attempt).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 200));
      expect(uncaught).toEqual([]);
      // The broken client was discarded: the pool still serves.
      expect(await database.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
