import { Module, type DynamicModule } from '@nestjs/common';
import { natsInboxPrefix } from '@parley/contracts';
import { AccessTokenGuard, AccessTokenVerifier, HTTP_USER_RATE_LIMITS } from '@parley/shared/util-auth';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { ServiceCoreModule } from '@parley/shared/util-service';
import { BlockRelations } from './blocks/block-relations';
import { BlocksController } from './blocks/blocks.controller';
import { BlocksService } from './blocks/blocks.service';
import { ChatsController } from './chats/chats.controller';
import { ChatsService } from './chats/chats.service';
import { MembershipCache } from './chats/membership-cache';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { DeliveryListener } from './delivery/delivery.listener';
import { FanOutService } from './delivery/fan-out.service';
import { HeadsWatch } from './delivery/heads-watch.service';
import { RepairMetrics, repairMetricProviders } from './delivery/repair.metrics';
import { LocalDelivery } from './delivery/local-delivery';
import { LocationCacheMetrics, locationCacheMetricProviders } from './delivery/location-cache.metrics';
import { EventCatchUpService } from './delivery/event-catch-up.service';
import { ReplayService } from './delivery/replay.service';
import { DevicesController } from './devices/devices.controller';
import { EventsController } from './events/events.controller';
import { MessagingService } from './messaging/messaging.service';
import { GatewayMetrics, gatewayMetricProviders } from './metrics/gateway.metrics';
import { PresenceLinkService } from './presence/presence-link.service';
import { ChatGateway } from './realtime/chat.gateway';
import { ConnectionRegistry } from './realtime/connection-registry';
import { GatewayLimits } from './security/gateway-limits';
import { SecurityMetrics, securityMetricProviders } from './security/security.metrics';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        NatsBusModule.forRoot({
          url: config.nats.url,
          name: `chat-gateway:${config.instanceId}`,
          requestTimeoutMs: config.nats.requestTimeoutMs,
          subjectPrefix: config.nats.subjectPrefix,
          user: config.nats.user,
          pass: config.nats.pass,
          inboxPrefix: natsInboxPrefix('chat-gateway'),
        }),
        ServiceCoreModule.forRoot({
          name: 'chat-gateway',
          logLevel: config.logLevel,
          readiness: { inject: [NatsBus], useFactory: (bus: NatsBus) => [bus.readiness()] },
        }),
      ],
      controllers: [ChatsController, DevicesController, EventsController, BlocksController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        {
          provide: AccessTokenVerifier,
          useFactory: () =>
            AccessTokenVerifier.fromPem(config.jwt.publicKeyPem, {
              issuer: config.jwt.issuer,
              audience: config.jwt.audience,
              maxAgeSeconds: config.jwt.maxAgeSeconds,
            }),
        },
        ...gatewayMetricProviders,
        ...repairMetricProviders,
        ...securityMetricProviders,
        ...locationCacheMetricProviders,
        LocationCacheMetrics,
        GatewayMetrics,
        RepairMetrics,
        SecurityMetrics,
        {
          provide: GatewayLimits,
          inject: [SecurityMetrics],
          useFactory: (metrics: SecurityMetrics) => GatewayLimits.connect(config.limits, config.instanceId, metrics),
        },
        // HTTP requests count per user across replicas too.
        {
          provide: HTTP_USER_RATE_LIMITS,
          inject: [GatewayLimits],
          useFactory: (limits: GatewayLimits) => limits.rates,
        },
        AccessTokenGuard,
        ConnectionRegistry,
        MembershipCache,
        LocalDelivery,
        FanOutService,
        DeliveryListener,
        HeadsWatch,
        ReplayService,
        EventCatchUpService,
        PresenceLinkService,
        MessagingService,
        ChatsService,
        BlockRelations,
        BlocksService,
        ChatGateway,
      ],
    };
  }
}
