import { isDatabaseUnavailable } from '@parley/shared/util-service';
import type { PgDatabase } from './pg-database';
import { openPgDatabase } from './postgres-connection';
import { DEFAULT_POSTGRES_TIMEOUTS } from './postgres-timeouts';

const url =
  process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('PostgreSQL pool timeouts (real server)', () => {
  let db: PgDatabase;

  beforeAll(async () => {
    db = await openPgDatabase({
      url,
      schema: 'public',
      poolSize: 2,
      timeouts: { ...DEFAULT_POSTGRES_TIMEOUTS, statementMs: 300 },
    });
  });

  afterAll(async () => {
    await db?.close();
  });

  it('cancels a statement past statement_timeout with an error that means unavailable, and the pool stays usable', async () => {
    const err = await db.query('SELECT pg_sleep(3)').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '57014' });
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('sets the session timeouts and the search_path on every pooled connection', async () => {
    const [row] = await db.query(
      `SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('search_path') AS path`,
    );
    expect(row).toEqual({ st: '300ms', idle: '10s', path: 'public,public' });
  });

  it('fails fast at start-up, naming the server but not the password', async () => {
    const opening = openPgDatabase({
      url: 'postgres://app:s3cret@127.0.0.1:1/db',
      schema: 'public',
      connectAttempts: 2,
      retryDelayMs: 10,
    });
    await expect(opening).rejects.toThrow('cannot connect to PostgreSQL at postgres://app:***@127.0.0.1:1/db');
    await expect(opening).rejects.not.toThrow(/s3cret/);
  });
});
