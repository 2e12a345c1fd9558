import { Module, type DynamicModule } from '@nestjs/common';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { redisReadiness, type RedisClient } from '@parley/shared/util-redis';
import { ServiceCoreModule } from '@parley/shared/util-service';
import type { PresenceConfig } from './config/presence.config';
import { PresenceModule } from './presence/presence.module';
import { RedisModule } from './redis/redis.module';

/** Connections opened (and proven) by bootstrap before the app is built. */
export interface PresenceConnections {
  redis: RedisClient;
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
        RedisModule.forRoot(redis),
        PresenceModule.forRoot(config, redis),
      ],
    };
  }
}
