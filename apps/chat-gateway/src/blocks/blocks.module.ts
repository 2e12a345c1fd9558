import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';
import { BlockRelations } from './block-relations';
import { BlocksController } from './blocks.controller';
import { BlocksService } from './blocks.service';

/** Blocking users: HTTP, and who blocks whom for sends, typing and presence. */
@Module({
  imports: [ConnectionsModule],
  controllers: [BlocksController],
  providers: [BlockRelations, BlocksService],
  exports: [BlockRelations],
})
export class BlocksModule {}
