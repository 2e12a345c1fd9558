import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { MessagingModule } from '../messaging/messaging.module';
import { PresenceLinkModule } from '../presence/presence-link.module';
import { ChatGateway } from './chat.gateway';
import { ClientEventsService } from './client-events.service';
import { ConnectionLifecycle } from './connection-lifecycle.service';

/**
 * Client connections: their lifecycle and client events (shared by every edge) and the
 * Socket.IO edge. The gRPC edge (../grpc) imports the shared part.
 */
@Module({
  imports: [ConnectionsModule, DeliveryModule, MessagingModule, PresenceLinkModule],
  providers: [ConnectionLifecycle, ClientEventsService, ChatGateway],
  exports: [ConnectionLifecycle, ClientEventsService],
})
export class RealtimeModule {}
