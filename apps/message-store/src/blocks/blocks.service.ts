import { Injectable } from '@nestjs/common';
import {
  BlockListLimits,
  Limits,
  type BlockCreateReply,
  type BlockListReply,
  type BlockRelationsReply,
  type BlockRemoveReply,
} from '@parley/contracts';
import { BlocksRepository } from '@parley/message-store/data-access-messages';
import { invalid, pageLimit, requireObject, requireUuid, requireUuidList } from '../common/request-checks';

/** Blocking rules of docs/protocol.md ("Blocking"); that the user exists is the gateway's check (auth). */
@Injectable()
export class BlocksService {
  constructor(private readonly blocks: BlocksRepository) {}

  async create(req: unknown): Promise<BlockCreateReply> {
    const { blockerId, blockedId } = this.pair(req);
    if (blockerId === blockedId) throw invalid('userId: you cannot block yourself');
    const { block, created } = await this.blocks.block(blockerId, blockedId);
    return { block: { userId: block.userId, createdAt: block.createdAt.toISOString() }, created };
  }

  async remove(req: unknown): Promise<BlockRemoveReply> {
    const { blockerId, blockedId } = this.pair(req);
    return { removed: await this.blocks.unblock(blockerId, blockedId) };
  }

  async list(req: unknown): Promise<BlockListReply> {
    const r = requireObject(req);
    const blockerId = requireUuid(r['blockerId'], 'blockerId');
    const limit = pageLimit(r['limit'], BlockListLimits);
    const afterUserId =
      r['cursor'] === undefined || r['cursor'] === null ? undefined : decodeBlockListCursor(r['cursor']);
    // One more than asked tells whether a next page exists.
    const rows = await this.blocks.list(blockerId, { limit: limit + 1, afterUserId });
    const page = rows.slice(0, limit);
    return {
      blocks: page.map((b) => ({ userId: b.userId, createdAt: b.createdAt.toISOString() })),
      nextCursor: rows.length > limit ? encodeBlockListCursor(page[page.length - 1].userId) : null,
    };
  }

  async relations(req: unknown): Promise<BlockRelationsReply> {
    const r = requireObject(req);
    const userId = requireUuid(r['userId'], 'userId');
    const others = requireUuidList(r['otherUserIds'], 'otherUserIds', Limits.groupMaxMembers).filter(
      (id) => id !== userId,
    );
    return this.blocks.relations(userId, others);
  }

  private pair(req: unknown): { blockerId: string; blockedId: string } {
    const r = requireObject(req);
    return { blockerId: requireUuid(r['blockerId'], 'blockerId'), blockedId: requireUuid(r['blockedId'], 'blockedId') };
  }
}

/** The block list's `Next-Cursor`: opaque to clients, the last blocked user id underneath. */
function encodeBlockListCursor(userId: string): string {
  return Buffer.from(userId).toString('base64url');
}

function decodeBlockListCursor(value: unknown): string {
  const text = typeof value === 'string' && value.length <= 64 ? Buffer.from(value, 'base64url').toString() : '';
  try {
    return requireUuid(text, 'cursor');
  } catch {
    throw invalid('cursor is not one this server gave out');
  }
}
