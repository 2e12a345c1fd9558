import { Controller, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BlockCreateV1,
  BlockListV1,
  BlockRelationsV1,
  BlockRemoveV1,
  type BlockCreateReply,
  type BlockCreateRequest,
  type BlockListReply,
  type BlockListRequest,
  type BlockRelationsReply,
  type BlockRelationsRequest,
  type BlockRemoveReply,
  type BlockRemoveRequest,
} from '@parley/contracts';
import { StoreErrorsInterceptor } from '../common/store-errors.interceptor';
import { BlocksService } from './blocks.service';

@Controller()
@UseInterceptors(StoreErrorsInterceptor)
export class BlocksHandler {
  constructor(private readonly blocks: BlocksService) {}

  @MessagePattern(BlockCreateV1.subject)
  create(@Payload() req: BlockCreateRequest): Promise<BlockCreateReply> {
    return this.blocks.create(req);
  }

  @MessagePattern(BlockRemoveV1.subject)
  remove(@Payload() req: BlockRemoveRequest): Promise<BlockRemoveReply> {
    return this.blocks.remove(req);
  }

  @MessagePattern(BlockListV1.subject)
  list(@Payload() req: BlockListRequest): Promise<BlockListReply> {
    return this.blocks.list(req);
  }

  @MessagePattern(BlockRelationsV1.subject)
  relations(@Payload() req: BlockRelationsRequest): Promise<BlockRelationsReply> {
    return this.blocks.relations(req);
  }
}
