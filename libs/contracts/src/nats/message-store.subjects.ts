import type {
  Chat,
  ChatSummary,
  ChatType,
  HistoryPage,
  MemberRole,
  Message,
  MessageReceipt,
  Receipt,
  ReceiptType,
} from '../lib/models';
import type { ErrorBody } from '../lib/errors';
import type { EventPage } from '../lib/event-stream';
import { rpc } from './contract';

// ---- messages ----

export interface MessageAppendRequest {
  chatId: string;
  senderId: string;
  clientMsgId: string;
  body: string;
  /** A reply: a seq of the same chat, at most its lastSeq (else `invalid`). */
  replyToSeq?: number | null;
}
export interface MessageAppendReply {
  message: Message;
  /** false when (chatId, senderId, clientMsgId) was already stored: nothing to fan out. */
  created: boolean;
  /** Every member of the chat at append time, the sender included. */
  memberIds: string[];
  /** Members who muted the chat (no push for them). */
  mutedMemberIds: string[];
  /**
   * For a created message: member i's eventSeq of it is eventSeqBase[i] + message.seq (aligned
   * with memberIds; one number per member whatever the batch held). Absent for a resend.
   */
  eventSeqBase?: number[];
}
export const MessageAppendV1 = rpc<MessageAppendRequest, MessageAppendReply>('message.append.v1', 'message-store');

export interface MessageAppendBatchRequest {
  /** Appends that reached one gateway together, in arrival order (AppendBatchLimits). */
  items: MessageAppendRequest[];
}
/** A stored item: as message.append.v1's reply, its chat's members in `members` (once per chat). */
export type MessageAppendStored = Omit<MessageAppendReply, 'memberIds' | 'mutedMemberIds' | 'eventSeqBase'> & {
  /** Its eventSeqBase: `members[chatId].eventSeqBases[eventSeqBaseIdx]` (absent: not known). */
  eventSeqBaseIdx?: number;
};
/** One result per item, in order: what message.append.v1 would have answered it. */
export type MessageAppendResult = { ok: true; reply: MessageAppendStored } | { ok: false; error: ErrorBody };
export interface MessageAppendBatchReply {
  results: MessageAppendResult[];
  /**
   * chatId -> members at append time, for the chats of stored items while they fit the reply's
   * byte budget; a chat missing here is looked up with chat.members.v1.
   */
  members: Record<string, { memberIds: string[]; mutedMemberIds: string[]; eventSeqBases?: number[][] }>;
}
/**
 * Bounds of one message.append-batch.v1 request. `maxBodyBytes` counts bodies as JSON puts them
 * on the wire (U+0001 is 6 bytes there): the request stays far under NATS's 1 MiB, and the reply,
 * which carries the stored bodies and member lists, is cut to ReplyBudget by message-store
 * (an item past it answers `unavailable`: it is stored, and the retry gets the original).
 */
export const AppendBatchLimits = { maxItems: 500, maxChats: 16, maxBodyBytes: 256 * 1024 } as const;
/** message.append.v1 for many messages in one NATS round trip (the gateway's hot path). */
export const MessageAppendBatchV1 = rpc<MessageAppendBatchRequest, MessageAppendBatchReply>(
  'message.append-batch.v1',
  'message-store',
);

export interface MessageHistoryRequest {
  chatId: string;
  userId: string;
  before?: number;
  after?: number;
  limit: number;
}
export const MessageHistoryV1 = rpc<MessageHistoryRequest, HistoryPage>('message.history.v1', 'message-store');

// ---- message lifecycle: edit, delete, react (each one transaction with the chat row locked) ----

export interface MessageEditRequest {
  chatId: string;
  userId: string;
  seq: number;
  body: string;
}
export interface MessageDeleteRequest {
  chatId: string;
  userId: string;
  seq: number;
}
export interface MessageReactRequest {
  chatId: string;
  userId: string;
  seq: number;
  /** 1-16 code points; null removes the caller's reaction. */
  emoji: string | null;
}
export interface MessageChangeReply {
  /** The whole message as it is now. */
  message: Message;
  /** false: it already was so (nothing stored, nothing to fan out). */
  changed: boolean;
  /** Every member of the chat (at most 1,024): the fan-out's recipients. */
  memberIds: string[];
  /** When changed: each member's eventSeq of its message:updated, aligned with memberIds. */
  eventSeqs?: number[];
}
export const MessageEditV1 = rpc<MessageEditRequest, MessageChangeReply>('message.edit.v1', 'message-store');
export const MessageDeleteV1 = rpc<MessageDeleteRequest, MessageChangeReply>('message.delete.v1', 'message-store');
export const MessageReactV1 = rpc<MessageReactRequest, MessageChangeReply>('message.react.v1', 'message-store');

// ---- chats ----

export interface ChatCreateRequest {
  creatorId: string;
  type: ChatType;
  title?: string;
  memberIds: string[];
}
/** Chat changes: each member's eventSeq of the change's event, aligned with `chat.members`. */
export interface ChatEventSeqs {
  eventSeqs?: number[];
}

export interface ChatCreateReply extends ChatEventSeqs {
  chat: Chat;
  /** false when an existing direct chat of the pair was returned. */
  created: boolean;
}
export const ChatCreateV1 = rpc<ChatCreateRequest, ChatCreateReply>('chat.create.v1', 'message-store');

export interface ChatGetRequest {
  chatId: string;
  userId: string;
}
export const ChatGetV1 = rpc<ChatGetRequest, Chat>('chat.get.v1', 'message-store');

export interface ChatListRequest {
  userId: string;
  /** 1-ChatListLimits.maxLimit; default ChatListLimits.defaultLimit. */
  limit?: number;
  /** `nextCursor` of the previous page; absent: the first page. */
  cursor?: string;
}
export interface ChatListReply {
  /** Most recent activity first; at most `limit`, fewer when the page reached ReplyBudget.bytes. */
  chats: ChatSummary[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}
export const ChatListLimits = { defaultLimit: 100, maxLimit: 200, membersPerEntry: 32 } as const;
/** One page of the user's chats: every entry carries at most 32 members plus memberCount. */
export const ChatListV1 = rpc<ChatListRequest, ChatListReply>('chat.list.v1', 'message-store');

export interface ChatMembersAddRequest {
  chatId: string;
  actorId: string;
  userIds: string[];
}
export interface ChatMembersAddReply extends ChatEventSeqs {
  chat: Chat;
  /** Only those who were not members before. */
  addedUserIds: string[];
}
export const ChatMembersAddV1 = rpc<ChatMembersAddRequest, ChatMembersAddReply>('chat.members.add.v1', 'message-store');

export interface ChatMemberRemoveRequest {
  chatId: string;
  actorId: string;
  userId: string;
}
export interface ChatMemberRemoveReply extends ChatEventSeqs {
  /** The chat after the removal (members may be empty). */
  chat: Chat;
  removedUserId: string;
  /** The removed user's eventSeq of its chat:removed. */
  removedEventSeq?: number;
}
export const ChatMemberRemoveV1 = rpc<ChatMemberRemoveRequest, ChatMemberRemoveReply>(
  'chat.member.remove.v1',
  'message-store',
);

export interface ChatUpdateRequest {
  chatId: string;
  actorId: string;
  title: string;
}
/** The chat, and `eventSeqs` when it changed (the gateway strips them from its HTTP answer). */
export type ChatChangeReply = Chat & ChatEventSeqs;
export const ChatUpdateV1 = rpc<ChatUpdateRequest, ChatChangeReply>('chat.update.v1', 'message-store');

export interface ChatMemberRoleRequest {
  chatId: string;
  actorId: string;
  userId: string;
  role: MemberRole;
}
export const ChatMemberRoleV1 = rpc<ChatMemberRoleRequest, ChatChangeReply>('chat.member.role.v1', 'message-store');

export interface ChatSettingsRequest {
  chatId: string;
  userId: string;
  muted: boolean;
}
export interface ChatSettingsReply {
  chatId: string;
  muted: boolean;
}
export const ChatSettingsV1 = rpc<ChatSettingsRequest, ChatSettingsReply>('chat.settings.v1', 'message-store');

export interface ChatMembersRequest {
  chatId: string;
  /** The caller: must be a member (else forbidden), the chat must exist (else not_found). */
  userId: string;
}
export interface ChatMembersReply {
  /** direct or group (blocking applies to direct chats only). */
  type?: ChatType;
  memberIds: string[];
  /** Members who muted the chat (no push for them). */
  mutedMemberIds: string[];
}
export const ChatMembersV1 = rpc<ChatMembersRequest, ChatMembersReply>('chat.members.v1', 'message-store');

export interface UserChatCursor {
  chatId: string;
  lastSeq: number;
  deliveredSeq: number;
  readSeq: number;
}
export interface UserCursorsRequest {
  userId: string;
  /** `nextAfterChatId` of the previous page; absent: the first page. */
  afterChatId?: string;
  /** 1-UserCursorsLimits.maxLimit; default maxLimit. */
  limit?: number;
}
export interface UserCursorsReply {
  /** Ordered by chatId. */
  chats: UserChatCursor[];
  /** Ask again with this as `afterChatId`; null on the last page. */
  nextAfterChatId: string | null;
}
/** A cursor is ~120 bytes of JSON: a page stays near 120 KiB. */
export const UserCursorsLimits = { maxLimit: 1000 } as const;
/** The user's chats with their watermarks, paged: what replay on connect starts from. */
export const UserCursorsV1 = rpc<UserCursorsRequest, UserCursorsReply>('chat.user-cursors.v1', 'message-store');

export interface SharesChatRequest {
  userId: string;
  otherUserIds: string[];
}
export interface SharesChatReply {
  /** The other users who share no chat with userId (empty: all share one). */
  strangers: string[];
}
export const SharesChatV1 = rpc<SharesChatRequest, SharesChatReply>('chat.shares-chat.v1', 'message-store');

// ---- receipts ----

export interface ReceiptMoveRequest {
  chatId: string;
  userId: string;
  type: ReceiptType;
  upToSeq: number;
}
export interface ReceiptMoveReply {
  /**
   * The watermarks that moved (none when upToSeq was not above them; `read` also
   * moves `delivered`, so up to two), each clamped to the chat's lastSeq.
   */
  receipts: Receipt[];
  memberIds: string[];
  /**
   * When a watermark moved: each member's eventSeq (aligned with memberIds, the mover included)
   * of the ONE receipt event the move made, the last of `receipts` (a read that also moved
   * delivered is one `read` event).
   */
  eventSeqs?: number[];
}
export const ReceiptMoveV1 = rpc<ReceiptMoveRequest, ReceiptMoveReply>('receipt.move.v1', 'message-store');

export interface ReceiptListRequest {
  chatId: string;
  userId: string;
  seq: number;
}
export const ReceiptListV1 = rpc<ReceiptListRequest, MessageReceipt[]>('receipt.list.v1', 'message-store');

// ---- the per-user event stream ----

export interface EventListRequest {
  userId: string;
  /** Events with eventSeq > since, ascending. */
  since: number;
  /** 1-EventStreamLimits.maxLimit. */
  limit: number;
}
/** A page of a user's event stream; cut at ReplyBudget (hasMore then true). */
export const EventListV1 = rpc<EventListRequest, EventPage>('event.list.v1', 'message-store');
