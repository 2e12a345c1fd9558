import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { closeRedis, type RedisClient } from '@parley/shared/util-redis';

/** Closes Redis after the NATS handlers stopped. */
class RedisCloser implements OnApplicationShutdown {
  constructor(private readonly redis: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.redis);
  }
}

/** The connection bootstrap opened (and proved) before the app was built: the app closes it on shutdown. */
@Module({})
export class RedisModule {
  static forRoot(redis: RedisClient): DynamicModule {
    return { module: RedisModule, providers: [{ provide: RedisCloser, useFactory: () => new RedisCloser(redis) }] };
  }
}
