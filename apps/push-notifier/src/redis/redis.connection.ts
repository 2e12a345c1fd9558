import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ReadinessCheck } from '@parley/shared/util-service';
import { Redis, type RedisOptions } from 'ioredis';

/** host:port/db of a Redis URL, never its password. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'the configured REDIS_URL';
  }
}

/** Opens a connection, failing fast with a message naming the server. */
export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  let connected = false;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    ...options,
    // No retries until the first connection: start-up fails at once instead of hanging.
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
  });
  client.once('ready', () => (connected = true));
  let lastError: Error | undefined;
  const onError = (err: Error) => (lastError = err);
  client.on('error', onError);
  try {
    await client.connect();
  } catch (err) {
    if (client.status !== 'end') client.disconnect();
    throw new Error(`cannot connect to Redis at ${describeRedisUrl(url)}: ${(lastError ?? (err as Error)).message}`);
  }
  client.off('error', onError);
  return client;
}

/**
 * BullMQ keeps jobs in Redis keys with no TTL: under any evicting policy Redis would
 * drop queued pushes silently when memory runs short. Refuse to start instead.
 */
export async function assertNoEviction(client: Redis, url: string): Promise<void> {
  const info = await client.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy !== undefined && policy !== 'noeviction') {
    throw new Error(
      `Redis at ${describeRedisUrl(url)} has maxmemory-policy "${policy}"; push-notifier (BullMQ) needs "noeviction", ` +
        `or queued pushes can be evicted. Set "maxmemory-policy noeviction" in redis.conf (or CONFIG SET maxmemory-policy noeviction).`,
    );
  }
}

/** The app's command connection (coalescing state and the BullMQ Queue); closed last. */
export class PushRedis implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(readonly client: Redis) {
    // ioredis reconnects by itself; log instead of crashing on 'error'.
    client.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'redis connection error'));
  }

  readiness(): ReadinessCheck {
    return {
      name: 'redis',
      isReady: async () => this.client.status === 'ready' && (await this.client.ping()) === 'PONG',
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client.status === 'end') return;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
