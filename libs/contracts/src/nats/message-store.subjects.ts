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
import { rpc } from './contract';

// ---- messages ----

export interface MessageAppendRequest {
  chatId: string;
  senderId: string;
  clientMsgId: string;
  body: string;
}
export interface MessageAppendReply {
  message: Message;
  /** false when (chatId, senderId, clientMsgId) was already stored: nothing to fan out. */
  created: boolean;
  /** Every member of the chat at append time, the sender included. */
  memberIds: string[];
  /** Members who muted the chat (no push for them). */
  mutedMemberIds: string[];
}
export const MessageAppendV1 = rpc<MessageAppendRequest, MessageAppendReply>('message.append.v1', 'message-store');

export interface MessageAppendBatchRequest {
  /** Appends that reached one gateway together, in arrival order (AppendBatchLimits). */
  items: MessageAppendRequest[];
}
/** A stored item: as message.append.v1's reply, its chat's members in `members` (once per chat). */
export type MessageAppendStored = Omit<MessageAppendReply, 'memberIds' | 'mutedMemberIds'>;
/** One result per item, in order: what message.append.v1 would have answered it. */
export type MessageAppendResult = { ok: true; reply: MessageAppendStored } | { ok: false; error: ErrorBody };
export interface MessageAppendBatchReply {
  results: MessageAppendResult[];
  /** chatId -> members at append time, for every chat of a stored item. */
  members: Record<string, { memberIds: string[]; mutedMemberIds: string[] }>;
}
/**
 * Bounds of one message.append-batch.v1 request, so that request and reply stay well under
 * NATS's default 1 MiB payload: member lists (up to 1,024 ids per group) travel once per chat,
 * and a request names at most `maxChats` chats.
 */
export const AppendBatchLimits = { maxItems: 500, maxChats: 16, maxBodyBytes: 256 * 1024 } as const;
/** message.append.v1 for many messages in one NATS round trip (the gateway's hot path). */
export const MessageAppendBatchV1 = rpc<MessageAppendBatchRequest, MessageAppendBatchReply>('message.append-batch.v1', 'message-store');

export interface MessageHistoryRequest {
  chatId: string;
  userId: string;
  before?: number;
  after?: number;
  limit: number;
}
export const MessageHistoryV1 = rpc<MessageHistoryRequest, HistoryPage>('message.history.v1', 'message-store');

// ---- chats ----

export interface ChatCreateRequest {
  creatorId: string;
  type: ChatType;
  title?: string;
  memberIds: string[];
}
export interface ChatCreateReply {
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
}
export const ChatListV1 = rpc<ChatListRequest, ChatSummary[]>('chat.list.v1', 'message-store');

export interface ChatMembersAddRequest {
  chatId: string;
  actorId: string;
  userIds: string[];
}
export interface ChatMembersAddReply {
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
export interface ChatMemberRemoveReply {
  /** The chat after the removal (members may be empty). */
  chat: Chat;
  removedUserId: string;
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
export const ChatUpdateV1 = rpc<ChatUpdateRequest, Chat>('chat.update.v1', 'message-store');

export interface ChatMemberRoleRequest {
  chatId: string;
  actorId: string;
  userId: string;
  role: MemberRole;
}
export const ChatMemberRoleV1 = rpc<ChatMemberRoleRequest, Chat>('chat.member.role.v1', 'message-store');

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
  memberIds: string[];
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
}
export interface UserCursorsReply {
  chats: UserChatCursor[];
}
/** The user's chats with their watermarks: what replay on connect starts from. */
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
}
export const ReceiptMoveV1 = rpc<ReceiptMoveRequest, ReceiptMoveReply>('receipt.move.v1', 'message-store');

export interface ReceiptListRequest {
  chatId: string;
  userId: string;
  seq: number;
}
export const ReceiptListV1 = rpc<ReceiptListRequest, MessageReceipt[]>('receipt.list.v1', 'message-store');
