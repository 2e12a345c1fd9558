/** Public objects of PROTOCOL.md, as they travel over HTTP, Socket.IO and NATS (JSON). */

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
}

export interface ChatSummary extends Chat {
  lastMessage: Message | null;
  unreadCount: number;
  /** Caller's own settings (Parley extension, documented in docs/protocol.md). */
  muted: boolean;
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

/** Limits of PROTOCOL.md. */
export const Limits = {
  bodyMaxCodePoints: 4096,
  clientMsgIdMaxLength: 64,
  groupMaxMembers: 1024,
  titleMaxCodePoints: 100,
  historyMaxLimit: 100,
  historyDefaultLimit: 50,
} as const;
