import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** redis://user:secret@host -> redis://user:***@host, for logs and errors. */
export function redactRedisUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

export interface RateLimitRedisOptions {
  url: string;
  /** CLIENT SETNAME, shown by CLIENT LIST. */
  name: string;
  /** A limiter command slower than this fails, and the in-memory insurance answers. */
  commandTimeoutMs?: number;
  /** Bound on the first connection; a start-up never waits longer than this. */
  connectTimeoutMs?: number;
}

/**
 * The connection UserRateLimits counts on. Fails fast at start-up (a wrong REDIS_URL is
 * found at once), reconnects forever afterwards. Auto-pipelining sends every limiter
 * command of one event-loop turn in one write, so a limit check per event stays cheap;
 * no offline queue and a command timeout, so a Redis outage or stall turns into the
 * insurance limiter's answer at once instead of a send waiting on Redis.
 */
export async function connectRateLimitRedis(options: RateLimitRedisOptions): Promise<Redis> {
  const logger = new Logger('RateLimitRedis');
  let started = false;
  let lost = false;
  let lastError: Error | undefined;
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    retryStrategy: (attempt) => (started ? Math.min(attempt * 200, 2000) : null),
  });
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await redis.connect();
  } catch (err) {
    if (redis.status !== 'end') redis.disconnect();
    throw new Error(`cannot connect to Redis (rate limits) at ${redactRedisUrl(options.url)}: ${(lastError ?? (err as Error)).message}`);
  }
  started = true;
  redis.on('reconnecting', () => {
    if (!lost) logger.warn(`Redis connection lost (${lastError?.message ?? 'closed'}); rate limits are per replica until it is back`);
    lost = true;
  });
  redis.on('ready', () => {
    if (lost) logger.log('Redis connection restored; rate limits are shared again');
    lost = false;
  });
  return redis;
}
