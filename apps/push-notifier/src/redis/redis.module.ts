import { Module, type DynamicModule } from '@nestjs/common';
import type { RedisClient } from '@parley/shared/util-redis';
import { PushRedis } from './redis.connection';

/** The app's Redis command connection, for every module (readiness included). */
@Module({})
export class RedisModule {
  static forRoot(client: RedisClient): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [{ provide: PushRedis, useValue: new PushRedis(client) }],
      exports: [PushRedis],
    };
  }
}
