import { Module } from '@nestjs/common';
import { BlocksHandler } from './blocks.handler';
import { BlocksService } from './blocks.service';

@Module({ controllers: [BlocksHandler], providers: [BlocksService] })
export class BlocksModule {}
