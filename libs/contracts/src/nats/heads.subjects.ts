import { event, rpc } from './contract';
import type { UserChatCursor } from './message-store.subjects';

/**
 * Live-delivery repair (docs/architecture.md). Each message-store replica publishes, every
 * `intervalMs`, the heads of the chats it committed messages to and the members who joined a
 * chat; every gateway compares them with the cursors of its connections and fills whatever a
 * lost gateway-to-gateway delivery left behind from the store.
 */
export interface ChatJoin {
  chatId: string;
  /** The chat's lastSeq when they joined: their live messages start after it. */
  fromSeq: number;
  userIds: string[];
}

export interface ChatHeadsDigest {
  /** The replica that committed them; it numbers its digests 1, 2, 3... */
  publisherId: string;
  /** A gap means digests were lost: the gateway then asks chat.heads.recover.v1. */
  digestSeq: number;
  /** The next digest of this publisher comes this long after (an empty one is a heartbeat). */
  intervalMs: number;
  /** [chatId, lastSeq] for chats with messages committed in the last two intervals (one lost digest is covered by the next). */
  heads: [string, number][];
  /** Joins (chat created, members added) of the last two intervals. */
  joins: ChatJoin[];
}
/** Broadcast to every gateway (no queue group). */
export const ChatHeadsDigestV1 = event<ChatHeadsDigest>('chat.heads.digest.v1');

export interface ChatHeadsRecoverRequest {
  /** Users connected to the asking gateway (at most HeadsLimits.recoverMaxUsers). */
  userIds: string[];
  /** Epoch ms: chats of theirs with a message or a join at or after this. */
  sinceMs: number;
  /** Paging: the last item of the previous page (items come ordered by userId, chatId). */
  after?: { userId: string; chatId: string };
}
export interface UserChatHead extends UserChatCursor {
  userId: string;
}
export interface ChatHeadsRecoverReply {
  items: UserChatHead[];
  /** Present when there is more: pass it as `after`. */
  next?: { userId: string; chatId: string };
}
/** What a gateway asks when it may have missed digests (a gap, a silent publisher, its own NATS reconnect). */
export const ChatHeadsRecoverV1 = rpc<ChatHeadsRecoverRequest, ChatHeadsRecoverReply>(
  'chat.heads.recover.v1',
  'message-store',
);

/**
 * Byte bounds, far under NATS's 1 MiB: a digest is split at digestMaxBytes of JSON (each part
 * numbered on its own); a recover page holds at most recoverPageItems items of ~150 bytes.
 */
export const HeadsLimits = {
  digestMaxBytes: 256 * 1024,
  recoverMaxUsers: 256,
  recoverPageItems: 2000,
} as const;
