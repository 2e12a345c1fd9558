import { Logger } from '@nestjs/common';
import { redactUrl } from '@parley/shared/util-config';
import { Redis, type RedisOptions } from 'ioredis';

export interface ConnectRedisOptions {
  /** REDIS_URL (or the content of REDIS_URL_FILE, read by loadEnv); may carry a password. */
  url: string;
  /** CLIENT SETNAME, shown by CLIENT LIST. */
  name: string;
  /** What the connection serves, in its errors: "cannot connect to Redis (rate limits) at …". */
  purpose?: string;
  /** Bound on the first connection; a start-up never waits longer than this. Default 5000. */
  connectTimeoutMs?: number;
  /** What an outage means for this use, logged when the connection is lost and when it is back. */
  whileLost?: string;
  whenRestored?: string;
  /** The use's own command settings (offline queue, retries per request, command timeout, pipelining). */
  redis?: Omit<RedisOptions, 'lazyConnect' | 'connectionName' | 'connectTimeout' | 'retryStrategy'>;
}

/**
 * Opens a Redis connection that fails fast at start-up (ioredis would otherwise retry
 * forever and the service would hang "starting"), reconnects forever afterwards, logs a loss
 * and a recovery once each, and never prints the URL's password.
 */
export async function connectRedis(options: ConnectRedisOptions): Promise<Redis> {
  const logger = new Logger('Redis');
  let started = false;
  let lastError: Error | undefined;
  let lost = false;
  const redis = new Redis(options.url, {
    ...options.redis,
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    retryStrategy: (attempt) => (started ? Math.min(attempt * 200, 2000) : null),
  });
  // Heard for the connection's whole life: an unheard 'error' would crash the process.
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await redis.connect();
  } catch (err) {
    // Already 'end' (no retry at start-up); disconnect() now would leave a 2 s timer behind.
    if (redis.status !== 'end') redis.disconnect();
    const what = options.purpose ? `Redis (${options.purpose})` : 'Redis';
    throw new Error(`cannot connect to ${what} at ${redactUrl(options.url)}: ${(lastError ?? (err as Error)).message}`);
  }
  started = true;
  // 'reconnecting', not 'close': a deliberate quit at shutdown is not a loss.
  redis.on('reconnecting', () => {
    if (!lost)
      logger.warn(
        `Redis connection ${options.name} lost (${lastError?.message ?? 'closed'}); ${options.whileLost ?? 'reconnecting'}`,
      );
    lost = true;
  });
  redis.on('ready', () => {
    if (lost)
      logger.log(`Redis connection ${options.name} restored${options.whenRestored ? `; ${options.whenRestored}` : ''}`);
    lost = false;
  });
  return redis;
}

/** A readiness check (util-service's ReadinessCheck) for /health/ready. */
export function redisReadiness(redis: Redis): { name: string; isReady: () => Promise<boolean> } {
  return {
    name: 'redis',
    isReady: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
  };
}

/** QUIT (pending replies first), or a plain disconnect when Redis does not answer; idempotent. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  await redis.quit().catch(() => redis.disconnect());
}
