import { Module } from '@nestjs/common';
import { ChatsHandler } from './chats.handler';
import { ChatsService } from './chats.service';

@Module({ controllers: [ChatsHandler], providers: [ChatsService] })
export class ChatsModule {}
