import { closeRedis, connectRedis, redisReadiness } from './connect-redis';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('connectRedis (real Redis)', () => {
  it('fails fast at start-up, naming the server and the use but not the password', async () => {
    // Port 1: nothing listens there.
    const url = 'redis://:s3cret@127.0.0.1:1';
    const attempt = connectRedis({ url, name: 'util-redis-test', purpose: 'rate limits' });
    await expect(attempt).rejects.toThrow('cannot connect to Redis (rate limits) at redis://:***@127.0.0.1:1: ');
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });

  it('names itself, answers readiness, reconnects after losing its connection, and closes idempotently', async () => {
    const redis = await connectRedis({ url: REDIS_URL, name: 'util-redis-test-reconnect' });
    const admin = await connectRedis({ url: REDIS_URL, name: 'util-redis-test-admin' });
    try {
      expect(await redis.client('GETNAME')).toBe('util-redis-test-reconnect');
      expect(await redisReadiness(redis).isReady()).toBe(true);
      await admin.client('KILL', 'ID', String(await redis.client('ID')));
      let pong: string | undefined;
      for (let i = 0; i < 100 && pong !== 'PONG'; i++) {
        pong = await redis.ping().catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)));
      }
      expect(pong).toBe('PONG');
    } finally {
      await closeRedis(redis);
      await closeRedis(redis);
      await closeRedis(admin);
    }
    expect(redis.status).toBe('end');
  });
});
