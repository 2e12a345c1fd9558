import { Module, type DynamicModule } from '@nestjs/common';
import { DevicesRepository, PUSH_SCHEMA } from '@parley/push-notifier/data-access-devices';
import { PgDatabase, PostgresModule, postgresReadiness } from '@parley/shared/data-access-postgres';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { ServiceCoreModule } from '@parley/shared/util-service';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import type { PushNotifierConfig } from './config/push-notifier.config';
import { DevicesHandler } from './devices/devices.handler';
import { SERVICE_NAME } from './push-notifier.constants';
import type { MessagingClient } from './push/firebase-push-sender';
import { PresenceListener } from './push/presence.listener';
import { PushNotifyHandler } from './push/push-notify.handler';
import { PushSender } from './push/push-sender';
import { createPushSender } from './push/push-sender.factory';
import { PushStateStore } from './push/push-state.store';
import { PUSH_FAILED_METRIC, pushMetricProviders } from './push/push.metrics';
import { PushQueue } from './push/push.queue';
import { PushScheduler } from './push/push.scheduler';
import { PushWorker } from './push/push.worker';
import { SendPushProcessor } from './push/send-push.processor';
import { PushRedis } from './redis/redis.connection';
import { RedisModule } from './redis/redis.module';

export interface AppDependencies {
  /** Connected, checked for noeviction by bootstrap(); the app closes it on shutdown. */
  redis: Redis;
  /** Replaces firebase-admin's Messaging (tests); the FirebasePushSender above it stays real. */
  messaging?: MessagingClient;
}

@Module({})
export class AppModule {
  static forRoot(config: PushNotifierConfig, deps: AppDependencies): DynamicModule {
    const { push } = config;
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
      ],
      controllers: [DevicesHandler, PushNotifyHandler],
      providers: [
        { provide: DevicesRepository, inject: [PgDatabase], useFactory: (db: PgDatabase) => new DevicesRepository(db) },
        { provide: PushStateStore, useFactory: () => new PushStateStore(deps.redis, push.queuePrefix) },
        { provide: PushQueue, useFactory: () => new PushQueue(deps.redis, { prefix: push.queuePrefix, ...push }) },
        {
          provide: PushSender,
          useFactory: () =>
            createPushSender({ credentialsPath: config.firebase?.credentialsPath ?? null, messaging: deps.messaging }),
        },
        ...pushMetricProviders,
        SendPushProcessor,
        {
          provide: PushScheduler,
          inject: [PushStateStore, PushQueue],
          useFactory: (state: PushStateStore, queue: PushQueue) =>
            new PushScheduler(state, queue, { coalesceMs: push.coalesceMs }),
        },
        {
          provide: PushWorker,
          inject: [SendPushProcessor, getToken(PUSH_FAILED_METRIC)],
          useFactory: (processor: SendPushProcessor, failed: Counter<string>) =>
            new PushWorker(
              processor,
              {
                redisUrl: config.redis.url,
                prefix: push.queuePrefix,
                concurrency: push.concurrency,
                jobLockMs: push.jobLockMs,
              },
              failed,
            ),
        },
        PresenceListener,
      ],
    };
  }
}
