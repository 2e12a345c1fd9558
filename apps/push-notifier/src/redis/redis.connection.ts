import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  closeRedis,
  dataNodes,
  describeRedisTarget,
  redisReadiness,
  type RedisClient,
  type RedisTarget,
} from '@parley/shared/util-redis';
import type { ReadinessCheck } from '@parley/shared/util-service';

/**
 * BullMQ keeps jobs in Redis keys with no TTL: under any evicting policy Redis would
 * drop queued pushes silently when memory runs short. Refuse to start instead.
 */
export async function assertNoEviction(client: RedisClient, target: RedisTarget): Promise<void> {
  // Every master of a cluster: a queue's slot may live on any of them.
  const infos = await Promise.all(dataNodes(client).map((node) => node.info('memory')));
  const policy = infos.map((info) => /^maxmemory_policy:(\S+)/m.exec(info)?.[1]).find((p) => p && p !== 'noeviction');
  if (policy !== undefined) {
    throw new Error(
      `Redis at ${describeRedisTarget(target)} has maxmemory-policy "${policy}"; push-notifier (BullMQ) needs "noeviction", ` +
        `or queued pushes can be evicted. Set "maxmemory-policy noeviction" in redis.conf (or CONFIG SET maxmemory-policy noeviction).`,
    );
  }
}

/** The app's command connection (coalescing state and the BullMQ Queue); closed last. */
export class PushRedis implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(readonly client: RedisClient) {
    client.on('error', (err: Error) => this.logger.warn({ err }, 'redis connection error'));
  }

  readiness(): ReadinessCheck {
    return redisReadiness(this.client);
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.client);
  }
}
