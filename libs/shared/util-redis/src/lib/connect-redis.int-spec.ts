import { closeRedis, connectRedis, dataNodes, redisReadiness } from './connect-redis';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
// npm test's three-master cluster (tools/dev/redis-cluster.sh).
const CLUSTER = process.env['PARLEY_TEST_REDIS_CLUSTER'] || '127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103';

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

  it('connects to a Redis Cluster from REDIS_CLUSTER_NODES, and names its seeds when it cannot', async () => {
    const cluster = await connectRedis({ url: REDIS_URL, clusterNodes: CLUSTER, name: 'util-redis-test-cluster' });
    try {
      expect(await redisReadiness(cluster).isReady()).toBe(true);
      expect(dataNodes(cluster)).toHaveLength(3);
      // Keys of different slots, through one client: it routes each to its master.
      await Promise.all(['a', 'b', 'c', 'd'].map((k) => cluster.set(`util-redis-test:${k}`, k, 'PX', 5000)));
      expect(await Promise.all(['a', 'b', 'c', 'd'].map((k) => cluster.get(`util-redis-test:${k}`)))).toEqual([
        'a',
        'b',
        'c',
        'd',
      ]);
    } finally {
      await closeRedis(cluster);
    }
    await expect(
      connectRedis({
        url: 'redis://:s3cret@x',
        clusterNodes: '127.0.0.1:1,127.0.0.1:2',
        name: 'util-redis-test-nocluster',
      }),
    ).rejects.toThrow(/^cannot connect to Redis at cluster 127\.0\.0\.1:1,127\.0\.0\.1:2: /);
  });
});
