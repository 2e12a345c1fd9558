import { ConfigError } from '@parley/shared/util-config';
import { loadPresenceConfig } from './presence.config';

describe('loadPresenceConfig', () => {
  it('has working local defaults', () => {
    expect(loadPresenceConfig({})).toEqual({
      http: { host: '0.0.0.0', port: 3002 },
      logLevel: 'info',
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'parley:presence:' },
      nats: { url: 'nats://127.0.0.1:4222', subjectPrefix: '' },
      presence: { defaultTtlSeconds: 30, sweepIntervalMs: 2000 },
    });
  });

  it('reads every variable', () => {
    const config = loadPresenceConfig({
      PRESENCE_PORT: '4002',
      REDIS_URL: 'redis://r:6380/2',
      REDIS_KEY_PREFIX: '{p}:',
      NATS_SUBJECT_PREFIX: 'ci.run1.',
      PRESENCE_TTL_SECONDS: '2',
      PRESENCE_SWEEP_INTERVAL_MS: '200',
    });
    expect(config.http.port).toBe(4002);
    expect(config.redis).toEqual({ url: 'redis://r:6380/2', keyPrefix: '{p}:' });
    expect(config.nats.subjectPrefix).toBe('ci.run1.');
    expect(config.presence).toEqual({ defaultTtlSeconds: 2, sweepIntervalMs: 200 });
  });

  it('names every bad variable', () => {
    try {
      loadPresenceConfig({ NATS_SUBJECT_PREFIX: 'no-dot', PRESENCE_TTL_SECONDS: '0', PRESENCE_SWEEP_INTERVAL_MS: 'soon' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of ['NATS_SUBJECT_PREFIX', 'PRESENCE_TTL_SECONDS', 'PRESENCE_SWEEP_INTERVAL_MS']) expect(problems).toContain(name);
    }
  });
});
