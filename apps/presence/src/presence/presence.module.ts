import { Module, type DynamicModule } from '@nestjs/common';
import { NatsBus } from '@parley/shared/util-nats';
import type { RedisClient } from '@parley/shared/util-redis';
import type { PresenceConfig } from '../config/presence.config';
import { PresenceEventsPublisher } from './presence-events.publisher';
import { PresenceSweeper } from './presence-sweeper';
import { PresenceHandler } from './presence.handler';
import { PresenceMetrics, presenceMetricProviders } from './presence.metrics';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';

/** Who is online where: the presence.* handlers, the Redis state, the sweeper and presence.changed.v1. */
@Module({})
export class PresenceModule {
  static forRoot(config: Pick<PresenceConfig, 'redis' | 'presence' | 'shards'>, redis: RedisClient): DynamicModule {
    return {
      module: PresenceModule,
      controllers: [PresenceHandler],
      providers: [
        {
          provide: PresenceRepository,
          useFactory: () =>
            new PresenceRepository(redis, {
              keyPrefix: config.redis.keyPrefix,
              shards: config.shards,
              defaultTtlMs: config.presence.defaultTtlSeconds * 1000,
            }),
        },
        ...presenceMetricProviders,
        PresenceMetrics,
        {
          provide: PresenceEventsPublisher,
          inject: [NatsBus, PresenceMetrics],
          useFactory: (bus: NatsBus, metrics: PresenceMetrics) =>
            new PresenceEventsPublisher(bus, (online, n) => metrics.transitioned(online, n)),
        },
        PresenceService,
        {
          provide: PresenceSweeper,
          inject: [PresenceService],
          useFactory: (service: PresenceService) => new PresenceSweeper(service, config.presence.sweepIntervalMs),
        },
      ],
    };
  }
}
