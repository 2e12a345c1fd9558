import { isDatabaseUnavailable } from '@parley/shared/util-service';
import { DataSource } from 'typeorm';
import { postgresOptions } from './postgres-data-source';
import { DEFAULT_POSTGRES_TIMEOUTS } from './postgres-timeouts';

const url = process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('PostgreSQL pool timeouts (real server)', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = new DataSource(postgresOptions({ url, schema: 'public', poolSize: 2, timeouts: { ...DEFAULT_POSTGRES_TIMEOUTS, statementMs: 300 } }));
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  it('cancels a statement past statement_timeout with an error that means unavailable, and the pool stays usable', async () => {
    const err = await ds.query('SELECT pg_sleep(3)').catch((e: unknown) => e);
    expect(err).toMatchObject({ driverError: { code: '57014' } });
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('sets the session timeouts on every pooled connection', async () => {
    const [row] = await ds.query(`SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle`);
    expect(row).toEqual({ st: '300ms', idle: '10s' });
  });
});
