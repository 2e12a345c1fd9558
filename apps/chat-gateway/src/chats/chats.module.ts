import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { ChatsController } from './chats.controller';
import { ChatsService } from './chats.service';
import { MembershipCache } from './membership-cache';

/** Chats over HTTP and the gateway's cache of who is in which chat. */
@Module({
  imports: [DeliveryModule],
  controllers: [ChatsController],
  providers: [ChatsService, MembershipCache],
  exports: [MembershipCache],
})
export class ChatsModule {}
