import type { Block } from '../lib/models';
import { event, rpc } from './contract';

export interface BlockCreateRequest {
  blockerId: string;
  blockedId: string;
}
export interface BlockCreateReply {
  block: Block;
  /** false when the block existed already (it is returned unchanged). */
  created: boolean;
}
/** Blocking oneself is `invalid`; the gateway checks first that the user exists (auth owns users). */
export const BlockCreateV1 = rpc<BlockCreateRequest, BlockCreateReply>('block.create.v1', 'message-store');

export interface BlockRemoveRequest {
  blockerId: string;
  blockedId: string;
}
export interface BlockRemoveReply {
  /** false when there was no block. */
  removed: boolean;
}
export const BlockRemoveV1 = rpc<BlockRemoveRequest, BlockRemoveReply>('block.remove.v1', 'message-store');

export interface BlockListRequest {
  blockerId: string;
  /** 1-BlockListLimits.maxLimit; default BlockListLimits.defaultLimit. */
  limit?: number;
  /** `nextCursor` of the previous page; absent: the first page. */
  cursor?: string;
}
export interface BlockListReply {
  /** By blocked user id. */
  blocks: Block[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}
/** A block is ~90 bytes of JSON: a page of 500 stays near 45 KB. */
export const BlockListLimits = { defaultLimit: 100, maxLimit: 500 } as const;
export const BlockListV1 = rpc<BlockListRequest, BlockListReply>('block.list.v1', 'message-store');

export interface BlockRelationsRequest {
  userId: string;
  /** At most Limits.groupMaxMembers ids. */
  otherUserIds: string[];
}
export interface BlockRelationsReply {
  /** Of otherUserIds: those who block userId. */
  blockedBy: string[];
  /** Of otherUserIds: those userId blocks. */
  blocking: string[];
}
/** The blocks between one user and others, both ways (presence:subscribe, typing). */
export const BlockRelationsV1 = rpc<BlockRelationsRequest, BlockRelationsReply>('block.relations.v1', 'message-store');

export interface BlockChanged {
  blockerId: string;
  blockedId: string;
  /** true: the block was created; false: removed. */
  blocked: boolean;
}
/**
 * Broadcast to every gateway after a block changed: they drop what they cached about the pair,
 * and on a block stop relaying the blocker's presence to the blocked user's sockets.
 */
export const BlockChangedV1 = event<BlockChanged>('block.changed.v1');
