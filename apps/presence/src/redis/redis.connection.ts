import { connectRedis } from '@parley/shared/util-redis';
import type { Redis } from 'ioredis';

/**
 * Presence's connection (shared connector). While Redis is away, commands fail at once (the
 * caller answers `unavailable`) instead of queueing behind a reconnect the NATS request
 * would time out on.
 */
export function connectPresenceRedis(options: { url: string; name: string }): Promise<Redis> {
  return connectRedis({ ...options, redis: { enableOfflineQueue: false, maxRetriesPerRequest: 1 } });
}
