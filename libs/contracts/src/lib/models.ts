/** Public objects of docs/protocol.md, as they travel over HTTP, Socket.IO and NATS (JSON). */

export interface User {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
}

export type ChatType = 'direct' | 'group';
export type MemberRole = 'admin' | 'member';

export interface ChatMember {
  userId: string;
  role: MemberRole;
  joinedAt: string;
}

export interface Chat {
  id: string;
  type: ChatType;
  title: string | null;
  members: ChatMember[];
  createdAt: string;
  lastSeq: number;
}

export interface Message {
  id: string;
  chatId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  body: string;
  createdAt: string;
  /** The seq this message replies to, or null. */
  replyToSeq: number | null;
  /** When the body was last edited, or null. */
  editedAt: string | null;
  /** A tombstone: body "" and no reactions; the seq stays. */
  deleted: boolean;
  /** One per user, oldest first (a replaced reaction moves to the end). */
  reactions: Reaction[];
}

export interface Reaction {
  userId: string;
  emoji: string;
}

/** A chat list entry: `members` holds at most the first 32 members by joinedAt. */
export interface ChatSummary extends Chat {
  memberCount: number;
  lastMessage: Message | null;
  unreadCount: number;
  /** Caller's own settings (Parley extension, documented in docs/protocol.md). */
  muted: boolean;
}

/** chat:new / chat:updated: like a list entry, at most the first 32 members by joinedAt plus memberCount. */
export interface ChatEvent extends Chat {
  memberCount: number;
}

export const ChatEventLimits = { members: 32 } as const;

/** The chat as chat:new / chat:updated carry it (`chat.members` is in joinedAt order, as the store gives it). */
export function toChatEvent(chat: Chat): ChatEvent {
  return { ...chat, members: chat.members.slice(0, ChatEventLimits.members), memberCount: chat.members.length };
}

/** One of the caller's blocks, as `GET /v1/blocks` lists it. */
export interface Block {
  /** The blocked user. */
  userId: string;
  createdAt: string;
}

export type ReceiptType = 'delivered' | 'read';

export interface Receipt {
  chatId: string;
  userId: string;
  type: ReceiptType;
  upToSeq: number;
  at: string;
}

export interface MessageReceipt {
  userId: string;
  deliveredAt: string | null;
  readAt: string | null;
}

export interface PresenceState {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

export type DevicePlatform = 'android' | 'ios' | 'web';

export interface Device {
  token: string;
  platform: DevicePlatform;
  createdAt: string;
}

export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
}

/** Limits of docs/protocol.md; groupMaxMembers also bounds every NATS request that lists a chat's members. */
export const Limits = {
  bodyMaxCodePoints: 4096,
  clientMsgIdMaxLength: 64,
  groupMaxMembers: 1024,
  titleMaxCodePoints: 100,
  historyMaxLimit: 100,
  historyDefaultLimit: 50,
  /** A reaction's emoji, in code points. */
  emojiMaxCodePoints: 16,
} as const;

/**
 * Bytes of JSON one NATS reply or event may carry: NATS refuses payloads over 1 MiB (its
 * default max_payload), so answers whose size depends on data are paged or cut below this.
 */
export const ReplyBudget = { bytes: 768 * 1024 } as const;

/** Bytes `value` takes as JSON on the wire (UTF-8). */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? '');
}

/** UTF-8 length without allocating (this lib also runs in browsers: no Buffer). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4; // a surrogate pair (JSON.stringify escapes lone ones)
      i++;
    } else bytes += 3;
  }
  return bytes;
}
