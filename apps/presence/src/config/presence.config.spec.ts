import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@parley/shared/util-config';
import { loadPresenceConfig } from './presence.config';

describe('loadPresenceConfig', () => {
  it('has working local defaults', () => {
    expect(loadPresenceConfig({})).toEqual({
      http: { host: '0.0.0.0', port: 3002 },
      logLevel: 'info',
      redis: { url: 'redis://127.0.0.1:6379', clusterNodes: '', keyPrefix: 'parley:presence:' },
      shards: 1,
      // pass: read from .parley/keys/nats/presence.password when `npm start` made it, else anonymous.
      nats: expect.objectContaining({ url: 'nats://127.0.0.1:4222', subjectPrefix: '', user: 'presence' }),
      presence: { defaultTtlSeconds: 30, sweepIntervalMs: 2000 },
    });
  });

  it('reads every variable', () => {
    const config = loadPresenceConfig({
      PRESENCE_PORT: '4002',
      REDIS_URL: 'redis://r:6380/2',
      REDIS_CLUSTER_NODES: 'r1:7000,r2:7000',
      REDIS_KEY_PREFIX: 'p:',
      PRESENCE_SHARDS: '256',
      NATS_SUBJECT_PREFIX: 'ci.run1.',
      PRESENCE_TTL_SECONDS: '2',
      PRESENCE_SWEEP_INTERVAL_MS: '200',
    });
    expect(config.http.port).toBe(4002);
    expect(config.redis).toEqual({ url: 'redis://r:6380/2', clusterNodes: 'r1:7000,r2:7000', keyPrefix: 'p:' });
    expect(config.shards).toBe(256);
    expect(config.nats.subjectPrefix).toBe('ci.run1.');
    expect(config.presence).toEqual({ defaultTtlSeconds: 2, sweepIntervalMs: 200 });
  });

  it('spreads presence over 64 shards on a Redis Cluster unless told otherwise, 1 on one Redis', () => {
    expect(loadPresenceConfig({ REDIS_CLUSTER_NODES: 'r1:7000' }).shards).toBe(64);
    expect(loadPresenceConfig({ REDIS_CLUSTER_NODES: 'r1:7000', PRESENCE_SHARDS: '128' }).shards).toBe(128);
    expect(loadPresenceConfig({ PRESENCE_SHARDS: '8' }).shards).toBe(8);
  });

  it('reads its NATS identity, the password from NATS_PASSWORD or NATS_PASSWORD_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'presence-config-'));
    try {
      writeFileSync(join(dir, 'nats.password'), 'from-a-file-0123456789\n');
      expect(
        loadPresenceConfig({ NATS_USER: 'presence-2', NATS_PASSWORD_FILE: join(dir, 'nats.password') }).nats,
      ).toMatchObject({
        user: 'presence-2',
        pass: 'from-a-file-0123456789',
      });
      expect(
        loadPresenceConfig({ NATS_PASSWORD: 'direct', NATS_PASSWORD_FILE: join(dir, 'nats.password') }).nats,
      ).toMatchObject({
        user: 'presence',
        pass: 'direct',
      });
      expect(() => loadPresenceConfig({ NATS_PASSWORD_FILE: join(dir, 'missing') })).toThrow('NATS_PASSWORD_FILE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names every bad variable', () => {
    try {
      loadPresenceConfig({
        NATS_SUBJECT_PREFIX: 'no-dot',
        PRESENCE_TTL_SECONDS: '0',
        PRESENCE_SWEEP_INTERVAL_MS: 'soon',
        REDIS_CLUSTER_NODES: 'r1:7000;r2',
        REDIS_KEY_PREFIX: '{presence}:',
        PRESENCE_SHARDS: '-1',
      });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of [
        'NATS_SUBJECT_PREFIX',
        'PRESENCE_TTL_SECONDS',
        'PRESENCE_SWEEP_INTERVAL_MS',
        'REDIS_CLUSTER_NODES',
        'REDIS_KEY_PREFIX',
        'PRESENCE_SHARDS',
      ])
        expect(problems).toContain(name);
      // Its own prefix check, stricter than ServiceEnv's (which "no-dot" passes).
      expect(problems).toContain('NATS_SUBJECT_PREFIX must be empty or dot-terminated tokens');
    }
  });
});
