import { loadEnv } from '@parley/shared/util-config';
import { poolConfig } from './postgres-connection';
import { DEFAULT_POSTGRES_TIMEOUTS, PostgresServiceEnv, postgresTimeouts } from './postgres-timeouts';

class ServiceEnv extends PostgresServiceEnv {
  override NATS_USER = 'svc'; // every app names its NATS identity
}

describe('PostgreSQL pool timeouts', () => {
  it('bound every statement, connect and idle transaction by default, with TCP keepalive', () => {
    const extra = poolConfig({ url: 'postgres://x@127.0.0.1/db', schema: 's' }) as Record<string, unknown>;
    expect(extra).toMatchObject({
      statement_timeout: 5000,
      query_timeout: 6000,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
      idle_in_transaction_session_timeout: 10_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
  });

  it('leave statements unbounded for migrations (null) but still bound the connect', () => {
    const extra = poolConfig({ url: 'postgres://x@127.0.0.1/db', schema: 's', timeouts: null }) as Record<
      string,
      unknown
    >;
    expect(extra['statement_timeout']).toBeUndefined();
    expect(extra['query_timeout']).toBeUndefined();
    expect(extra['connectionTimeoutMillis']).toBe(3000);
  });

  it('are read from the environment and validated', () => {
    expect(postgresTimeouts(loadEnv('svc', ServiceEnv, {}))).toEqual(DEFAULT_POSTGRES_TIMEOUTS);
    const t = postgresTimeouts(
      loadEnv('svc', ServiceEnv, { DATABASE_STATEMENT_TIMEOUT_MS: '2000', DATABASE_CONNECT_TIMEOUT_MS: '1500' }),
    );
    expect(t).toMatchObject({ statementMs: 2000, connectMs: 1500 });
    expect(() => loadEnv('svc', ServiceEnv, { DATABASE_STATEMENT_TIMEOUT_MS: '0' })).toThrow(
      /DATABASE_STATEMENT_TIMEOUT_MS/,
    );
    expect(() => loadEnv('svc', ServiceEnv, { DATABASE_KEEPALIVE_DELAY_MS: 'soon' })).toThrow(
      /DATABASE_KEEPALIVE_DELAY_MS/,
    );
  });
});
