import { Module, type DynamicModule } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { RedisClient } from '@parley/shared/util-redis';
import type { Counter } from 'prom-client';
import type { PushNotifierConfig } from '../config/push-notifier.config';
import { DevicesModule } from '../devices/devices.module';
import type { MessagingClient } from './firebase-push-sender';
import { PresenceListener } from './presence.listener';
import { PushNotifyHandler } from './push-notify.handler';
import { PushSender } from './push-sender';
import { createPushSender } from './push-sender.factory';
import { PushStateStore } from './push-state.store';
import { PUSH_FAILED_METRIC, pushMetricProviders } from './push.metrics';
import { PushQueue } from './push.queue';
import { PushScheduler } from './push.scheduler';
import { PushWorker } from './push.worker';
import { SendPushProcessor } from './send-push.processor';

/**
 * push.notify.v1 -> per (user, chat) coalescing in Redis -> one delayed BullMQ job -> FCM;
 * a user coming online (presence.changed.v1) drops what is pending.
 */
@Module({})
export class PushModule {
  static forRoot(
    config: Pick<PushNotifierConfig, 'push' | 'redis' | 'firebase'>,
    deps: { redis: RedisClient; messaging?: MessagingClient },
  ): DynamicModule {
    const { push } = config;
    return {
      module: PushModule,
      imports: [DevicesModule],
      controllers: [PushNotifyHandler],
      providers: [
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
                redis: config.redis,
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
