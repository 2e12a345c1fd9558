import { ConfigError } from '@parley/shared/util-config';
import { loadPushNotifierConfig } from './push-notifier.config';

describe('loadPushNotifierConfig', () => {
  it('has laptop defaults, DRY-RUN without credentials', () => {
    const c = loadPushNotifierConfig({});
    expect(c.http.port).toBe(3004);
    expect(c.push).toEqual({
      queuePrefix: 'parley',
      coalesceMs: 1500,
      attempts: 5,
      backoffMs: 1000,
      concurrency: 16,
      jobLockMs: 30_000,
    });
    expect(c.nats.subjectPrefix).toBe('');
    expect(c.firebase).toBeNull();
  });

  it('reads the variables and enables Firebase with a credentials path', () => {
    const c = loadPushNotifierConfig({
      PUSH_NOTIFIER_PORT: '4004',
      PUSH_QUEUE_PREFIX: '{parley}',
      PUSH_COALESCE_MS: '250',
      PUSH_ATTEMPTS: '3',
      GOOGLE_APPLICATION_CREDENTIALS: '/secrets/sa.json',
    });
    expect(c.http.port).toBe(4004);
    expect(c.push).toMatchObject({ queuePrefix: '{parley}', coalesceMs: 250, attempts: 3 });
    expect(c.firebase).toEqual({ credentialsPath: '/secrets/sa.json' });
  });

  it('reads the PostgreSQL pool timeouts (defaults: statement 5 s, connect 3 s)', () => {
    expect(loadPushNotifierConfig({}).database.timeouts).toMatchObject({ statementMs: 5000, connectMs: 3000 });
    const c = loadPushNotifierConfig({
      DATABASE_STATEMENT_TIMEOUT_MS: '2500',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '4000',
    });
    expect(c.database.timeouts).toMatchObject({ statementMs: 2500, idleInTransactionMs: 4000 });
    expect(() => loadPushNotifierConfig({ DATABASE_CONNECT_TIMEOUT_MS: '-1' })).toThrow(/DATABASE_CONNECT_TIMEOUT_MS/);
  });

  it('on a Redis Cluster, wants the queue prefix to be a hash tag', () => {
    const cluster = { REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' };
    expect(() => loadPushNotifierConfig(cluster)).toThrow(/PUSH_QUEUE_PREFIX must start with a hash tag.*"\{parley\}"/);
    const c = loadPushNotifierConfig({ ...cluster, PUSH_QUEUE_PREFIX: '{parley-push}' });
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', clusterNodes: '10.0.0.1:7000,10.0.0.2:7000' });
    expect(() => loadPushNotifierConfig({ REDIS_CLUSTER_NODES: 'no-port' })).toThrow(/REDIS_CLUSTER_NODES/);
  });

  it('names every bad variable', () => {
    let err: unknown;
    try {
      loadPushNotifierConfig({ PUSH_QUEUE_PREFIX: 'a:b', PUSH_ATTEMPTS: '0', PUSH_CONCURRENCY: 'many' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toContain('PUSH_QUEUE_PREFIX');
    expect(problems).toContain('PUSH_ATTEMPTS');
    expect(problems).toContain('PUSH_CONCURRENCY');
  });
});
