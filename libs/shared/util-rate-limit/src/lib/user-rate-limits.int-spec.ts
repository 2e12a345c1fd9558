import { randomBytes } from 'node:crypto';
import { dataNodes, type RedisClient } from '@parley/shared/util-redis';
import { connectRateLimitRedis } from './rate-limit-redis';
import { UserRateLimits } from './user-rate-limits';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// npm test's three-master cluster (tools/dev/redis-cluster.sh).
const clusterNodes = process.env.PARLEY_TEST_REDIS_CLUSTER || '127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103';

/** Against the real Redis (one server, and a cluster), with a key prefix of its own: two "replicas" share one budget. */
describe.each([
  { kind: 'one Redis', clusterNodes: '' },
  { kind: 'a Redis Cluster', clusterNodes },
])('UserRateLimits on $kind', ({ clusterNodes }) => {
  const prefix = `parley-test:rl:${randomBytes(4).toString('hex')}:`;
  const opened: RedisClient[] = [];
  const connect = async (name: string) => {
    const redis = await connectRateLimitRedis({ url, clusterNodes, name });
    opened.push(redis);
    return redis;
  };

  afterAll(async () => {
    const [admin] = opened;
    if (admin?.status === 'ready') {
      for (const node of dataNodes(admin)) {
        const keys = await node.keys(`${prefix}*`);
        await Promise.all(keys.map((key) => node.del(key)));
      }
    }
    for (const r of opened) r.disconnect();
  });

  it('holds one budget across two replicas: at the limit ok, one past it refused', async () => {
    const failures: string[] = [];
    const options = { keyPrefix: prefix, onStoreFailure: (name: string) => failures.push(name) };
    const a = new UserRateLimits(
      { send: { perSecond: 2, burst: 10 } },
      { ...options, redis: await connect('rl-test-a') },
    );
    const b = new UserRateLimits(
      { send: { perSecond: 2, burst: 10 } },
      { ...options, redis: await connect('rl-test-b') },
    );
    // Five on each replica, all in one event-loop turn (auto-pipelined): ten in all.
    const taken = await Promise.all([
      ...Array.from({ length: 5 }, () => a.tryTake('send', 'alice')),
      ...Array.from({ length: 5 }, () => b.tryTake('send', 'alice')),
    ]);
    expect(taken.every(Boolean)).toBe(true);
    expect(await a.tryTake('send', 'alice')).toBe(false);
    expect(await b.tryTake('send', 'alice')).toBe(false);
    expect(await a.tryTake('send', 'bob')).toBe(true);
    expect(failures).toEqual([]);
    const [counter] = opened;
    expect(Number(await counter.get(`${prefix}send:alice`))).toBeGreaterThanOrEqual(10);
  });

  it('refuses a user who reached the limit without asking Redis again until the window ends', async () => {
    const redis = await connect('rl-test-block');
    const limits = new UserRateLimits({ typing: { perSecond: 1, burst: 3 } }, { keyPrefix: prefix, redis });
    for (let i = 0; i < 3; i++) expect(await limits.tryTake('typing', 'carol')).toBe(true);
    // Redis forgets the counter; the local block still refuses: no round trip was made.
    await redis.del(`${prefix}typing:carol`);
    expect(await limits.tryTake('typing', 'carol')).toBe(false);
    expect(await redis.exists(`${prefix}typing:carol`)).toBe(0);
  });

  it('falls back to per-replica counters when Redis is gone, instead of failing', async () => {
    const redis = await connect('rl-test-down');
    const failures: string[] = [];
    const limits = new UserRateLimits(
      { read: { perSecond: 1, burst: 2 } },
      { keyPrefix: prefix, redis, onStoreFailure: (n) => failures.push(n) },
    );
    redis.disconnect();
    expect(await limits.tryTake('read', 'dave')).toBe(true);
    expect(await limits.tryTake('read', 'dave')).toBe(true);
    expect(await limits.tryTake('read', 'dave')).toBe(false);
    expect(failures).toEqual(['read', 'read', 'read']);
  });
});
