import { connectRedis, type RedisClient, type RedisTarget } from '@parley/shared/util-redis';

/**
 * Presence's connection (shared connector; one server or a cluster). While Redis is away,
 * commands fail at once (the caller answers `unavailable`) instead of queueing behind a
 * reconnect the NATS request would time out on. Auto-pipelining sends the per-shard scripts
 * of one call (locate, heartbeat, sweep) in one write per node.
 */
export function connectPresenceRedis(options: RedisTarget & { name: string }): Promise<RedisClient> {
  return connectRedis({
    ...options,
    redis: { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true },
  });
}
