import { Module, type DynamicModule } from '@nestjs/common';
import { PUSH_SCHEMA } from '@parley/push-notifier/data-access-devices';
import { PgDatabase, PostgresModule, postgresReadiness } from '@parley/shared/data-access-postgres';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { ServiceCoreModule } from '@parley/shared/util-service';
import type { RedisClient } from '@parley/shared/util-redis';
import type { PushNotifierConfig } from './config/push-notifier.config';
import { DevicesModule } from './devices/devices.module';
import { SERVICE_NAME } from './push-notifier.constants';
import type { MessagingClient } from './push/firebase-push-sender';
import { PushModule } from './push/push.module';
import { PushRedis } from './redis/redis.connection';
import { RedisModule } from './redis/redis.module';

export interface AppDependencies {
  /** Connected, checked for noeviction by bootstrap(); the app closes it on shutdown. */
  redis: RedisClient;
  /** Replaces firebase-admin's Messaging (tests); the FirebasePushSender above it stays real. */
  messaging?: MessagingClient;
}

@Module({})
export class AppModule {
  static forRoot(config: PushNotifierConfig, deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PostgresModule.forRoot({
          url: config.database.url,
          schema: PUSH_SCHEMA,
          poolSize: config.database.poolSize,
          timeouts: config.database.timeouts,
          applicationName: `parley-${SERVICE_NAME}`,
        }),
        RedisModule.forRoot(deps.redis),
        NatsBusModule.forRoot({
          url: config.nats.url,
          name: SERVICE_NAME,
          requestTimeoutMs: 5000,
          subjectPrefix: config.nats.subjectPrefix,
          user: config.nats.user,
          pass: config.nats.pass,
        }),
        ServiceCoreModule.forRoot({
          name: SERVICE_NAME,
          logLevel: config.logLevel,
          readiness: {
            inject: [PgDatabase, PushRedis, NatsBus],
            useFactory: (db: PgDatabase, redis: PushRedis, bus: NatsBus) => [
              postgresReadiness(db),
              redis.readiness(),
              bus.readiness(),
            ],
          },
        }),
        DevicesModule,
        PushModule.forRoot(config, deps),
      ],
    };
  }
}
