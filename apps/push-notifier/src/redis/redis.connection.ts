import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { closeRedis, redisReadiness } from '@parley/shared/util-redis';
import { redactUrl } from '@parley/shared/util-config';
import type { ReadinessCheck } from '@parley/shared/util-service';
import type { Redis } from 'ioredis';

/**
 * BullMQ keeps jobs in Redis keys with no TTL: under any evicting policy Redis would
 * drop queued pushes silently when memory runs short. Refuse to start instead.
 */
export async function assertNoEviction(client: Redis, url: string): Promise<void> {
  const info = await client.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy !== undefined && policy !== 'noeviction') {
    throw new Error(
      `Redis at ${redactUrl(url)} has maxmemory-policy "${policy}"; push-notifier (BullMQ) needs "noeviction", ` +
        `or queued pushes can be evicted. Set "maxmemory-policy noeviction" in redis.conf (or CONFIG SET maxmemory-policy noeviction).`,
    );
  }
}

/** The app's command connection (coalescing state and the BullMQ Queue); closed last. */
export class PushRedis implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(readonly client: Redis) {
    client.on('error', (err: Error) => this.logger.warn({ err }, 'redis connection error'));
  }

  readiness(): ReadinessCheck {
    return redisReadiness(this.client);
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.client);
  }
}
