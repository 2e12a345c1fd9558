import { Injectable } from '@nestjs/common';
import {
  BlockCreateV1,
  BlockListV1,
  BlockRemoveV1,
  ParleyError,
  type Block,
  type BlockListReply,
} from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { requireUsers } from '../chats/require-users';
import { BlockRelations } from './block-relations';

/** POST/DELETE/GET /v1/blocks: message-store keeps the blocks; every gateway hears of a change. */
@Injectable()
export class BlocksService {
  constructor(
    private readonly bus: NatsBus,
    private readonly relations: BlockRelations,
  ) {}

  /** Error order: invalid (yourself), not_found (no such user). */
  async block(callerId: string, userId: string): Promise<{ block: Block; created: boolean }> {
    if (userId === callerId) throw new ParleyError('invalid', 'userId: you cannot block yourself');
    await requireUsers(this.bus, [userId]);
    const reply = await this.bus.request(BlockCreateV1, { blockerId: callerId, blockedId: userId });
    if (reply.created) await this.relations.announce({ blockerId: callerId, blockedId: userId, blocked: true });
    return reply;
  }

  async unblock(callerId: string, userId: string): Promise<void> {
    const { removed } = await this.bus.request(BlockRemoveV1, { blockerId: callerId, blockedId: userId });
    if (removed) await this.relations.announce({ blockerId: callerId, blockedId: userId, blocked: false });
  }

  list(callerId: string, page: { limit?: number; cursor?: string }): Promise<BlockListReply> {
    return this.bus.request(BlockListV1, { blockerId: callerId, limit: page.limit, cursor: page.cursor });
  }
}
