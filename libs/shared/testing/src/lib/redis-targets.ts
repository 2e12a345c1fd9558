import { connectRedis, dataNodes, type RedisClient, type RedisTarget } from '@parley/shared/util-redis';

/**
 * The Redis Cluster the tests run presence, push and the stack on too: npm test starts it
 * (tools/dev/redis-cluster.sh) and exports its seed nodes; run that script first to run
 * one such test file by hand.
 */
export const TEST_REDIS_CLUSTER_NODES =
  process.env['PARLEY_TEST_REDIS_CLUSTER'] || '127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Both deployments every Redis-backed test runs against, for `describe.each`. */
export const testRedisTargets: { kind: string; target: RedisTarget }[] = [
  { kind: 'one Redis', target: { url, clusterNodes: '' } },
  { kind: 'a three-master Redis Cluster', target: { url, clusterNodes: TEST_REDIS_CLUSTER_NODES } },
];

/** A connection for test set-up and clean-up, on either kind of target. */
export function connectTestRedis(target: RedisTarget, name = 'parley-test'): Promise<RedisClient> {
  return connectRedis({ ...target, name, purpose: 'tests (a cluster: run tools/dev/redis-cluster.sh)' });
}

/** Deletes every key matching `pattern` on every data node (KEYS is per node on a cluster). */
export async function deleteTestKeys(redis: RedisClient, pattern: string): Promise<void> {
  for (const node of dataNodes(redis)) {
    const keys = await node.keys(pattern);
    // One DEL per key: on a cluster they may live in different slots.
    await Promise.all(keys.map((key) => node.del(key)));
  }
}
