import { Module, type DynamicModule } from '@nestjs/common';
import { natsInboxPrefix } from '@parley/contracts';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { ServiceCoreModule } from '@parley/shared/util-service';
import { BlocksModule } from './blocks/blocks.module';
import { ChatsModule } from './chats/chats.module';
import { GatewayConfigModule } from './config/gateway-config.module';
import { type GatewayConfig } from './config/gateway.config';
import { gatewayReadiness } from './config/gateway.readiness';
import { DeliveryModule } from './delivery/delivery.module';
import { DevicesModule } from './devices/devices.module';
import { EventsModule } from './events/events.module';
import { GrpcEdgeModule } from './grpc/grpc-edge.module';
import { MessagingModule } from './messaging/messaging.module';
import { MetricsModule } from './metrics/metrics.module';
import { PresenceLinkModule } from './presence/presence-link.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SecurityModule } from './security/security.module';

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
          readiness: { inject: [NatsBus], useFactory: gatewayReadiness },
        }),
        GatewayConfigModule.forRoot(config),
        MetricsModule,
        SecurityModule.forRoot(config),
        DeliveryModule,
        PresenceLinkModule,
        ChatsModule,
        BlocksModule,
        MessagingModule,
        EventsModule,
        DevicesModule,
        RealtimeModule,
        GrpcEdgeModule,
      ],
    };
  }
}
