import { Module } from '@nestjs/common';
import { BlocksModule } from '../blocks/blocks.module';
import { ChatsModule } from '../chats/chats.module';
import { ConnectionsModule } from '../connections/connections.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { MessagingService } from './messaging.service';

/** What the client events do once valid: send, edit, delete, react, receipts, typing, presence watches. */
@Module({
  imports: [ConnectionsModule, DeliveryModule, ChatsModule, BlocksModule],
  providers: [MessagingService],
  exports: [MessagingService],
})
export class MessagingModule {}
