import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { closeRedis, redisReadiness } from '@parley/shared/util-redis';
import { ServiceCoreModule } from '@parley/shared/util-service';
import type Redis from 'ioredis';
import type { PresenceConfig } from './config/presence.config';
import { PresenceHandler } from './presence/presence.handler';
import { PresenceEventsPublisher } from './presence/presence-events.publisher';
import { PresenceMetrics, presenceMetricProviders } from './presence/presence.metrics';
import { PresenceRepository } from './presence/presence.repository';
import { PresenceService } from './presence/presence.service';
import { PresenceSweeper } from './presence/presence-sweeper';

/** Connections opened (and proven) by bootstrap before the app is built. */
export interface PresenceConnections {
  redis: Redis;
}

/** Closes Redis after the NATS handlers stopped (the NatsBus drains itself). */
class ConnectionsCloser implements OnApplicationShutdown {
  constructor(private readonly connections: PresenceConnections) {}

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.connections.redis);
  }
}

@Module({})
export class AppModule {
  static forRoot(config: PresenceConfig, connections: PresenceConnections): DynamicModule {
    const { redis } = connections;
    return {
      module: AppModule,
      imports: [
        // presence's one NATS connection; its handlers serve on it too (bootstrap: onBusConnection).
        NatsBusModule.forRoot({
          url: config.nats.url,
          name: 'presence',
          requestTimeoutMs: 5000,
          subjectPrefix: config.nats.subjectPrefix,
          user: config.nats.user,
          pass: config.nats.pass,
        }),
        ServiceCoreModule.forRoot({
          name: 'presence',
          logLevel: config.logLevel,
          readiness: {
            inject: [NatsBus],
            useFactory: (bus: NatsBus) => [redisReadiness(redis), bus.readiness()],
          },
        }),
      ],
      controllers: [PresenceHandler],
      providers: [
        {
          provide: PresenceRepository,
          useFactory: () =>
            new PresenceRepository(redis, {
              keyPrefix: config.redis.keyPrefix,
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
        { provide: ConnectionsCloser, useFactory: () => new ConnectionsCloser(connections) },
      ],
    };
  }
}
