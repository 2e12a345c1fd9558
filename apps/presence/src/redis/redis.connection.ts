import { Logger } from '@nestjs/common';
import type { ReadinessCheck } from '@parley/shared/util-service';
import Redis from 'ioredis';

/** redis://user:secret@host -> redis://user:***@host, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

export interface ConnectRedisOptions {
  url: string;
  /** CLIENT SETNAME, shown by CLIENT LIST. */
  name: string;
  /** Bound on the first connection; a start-up never waits longer than this. */
  connectTimeoutMs?: number;
}

/**
 * Opens a Redis connection that fails fast at start-up (ioredis would otherwise retry
 * forever and the service would hang "starting") and reconnects forever afterwards.
 */
export async function connectRedis(options: ConnectRedisOptions): Promise<Redis> {
  const logger = new Logger('Redis');
  let started = false;
  let lastError: Error | undefined;
  let lost = false;
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // While Redis is away, commands fail at once (the caller answers `unavailable`)
    // instead of queueing behind a reconnect the NATS request would time out on.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => (started ? Math.min(attempt * 200, 2000) : null),
  });
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await redis.connect();
  } catch (err) {
    // Already 'end' (no retry at start-up); disconnect() now would leave a 2 s timer behind.
    if (redis.status !== 'end') redis.disconnect();
    throw new Error(`cannot connect to Redis at ${redactUrl(options.url)}: ${(lastError ?? (err as Error)).message}`);
  }
  started = true;
  // 'reconnecting', not 'close': a deliberate quit at shutdown is not a loss.
  redis.on('reconnecting', () => {
    if (!lost) logger.warn(`Redis connection lost (${lastError?.message ?? 'closed'}); reconnecting`);
    lost = true;
  });
  redis.on('ready', () => {
    if (lost) logger.log('Redis connection restored');
    lost = false;
  });
  return redis;
}

export function redisReadiness(redis: Redis): ReadinessCheck {
  return {
    name: 'redis',
    isReady: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
  };
}
