import { connectRedis, type RedisClient, type RedisTarget } from '@parley/shared/util-redis';

export interface RateLimitRedisOptions extends RedisTarget {
  /** CLIENT SETNAME, shown by CLIENT LIST. */
  name: string;
  /** A limiter command slower than this fails, and the in-memory insurance answers. */
  commandTimeoutMs?: number;
  /** Bound on the first connection; a start-up never waits longer than this. */
  connectTimeoutMs?: number;
}

/**
 * The connection UserRateLimits counts on (shared connector: fails fast at start-up,
 * reconnects forever afterwards). Auto-pipelining sends every limiter command of one
 * event-loop turn in one write, so a limit check per event stays cheap; no offline queue and
 * a command timeout, so a Redis outage or stall turns into the insurance limiter's answer at
 * once instead of a send waiting on Redis.
 */
export function connectRateLimitRedis(options: RateLimitRedisOptions): Promise<RedisClient> {
  return connectRedis({
    url: options.url,
    clusterNodes: options.clusterNodes,
    name: options.name,
    purpose: 'rate limits',
    connectTimeoutMs: options.connectTimeoutMs,
    whileLost: 'rate limits are per replica until it is back',
    whenRestored: 'rate limits are shared again',
    redis: {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 500,
    },
  });
}
