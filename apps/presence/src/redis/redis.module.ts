import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { closeRedis } from '@parley/shared/util-redis';
import type Redis from 'ioredis';

/** Closes Redis after the NATS handlers stopped. */
class RedisCloser implements OnApplicationShutdown {
  constructor(private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.redis);
  }
}

/** The connection bootstrap opened (and proved) before the app was built: the app closes it on shutdown. */
@Module({})
export class RedisModule {
  static forRoot(redis: Redis): DynamicModule {
    return { module: RedisModule, providers: [{ provide: RedisCloser, useFactory: () => new RedisCloser(redis) }] };
  }
}
