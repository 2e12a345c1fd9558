import type { Chat, ChatType, MemberRole, Message, Reaction } from '@parley/contracts';
import type { MessageCipher } from './message-cipher';

export interface MemberRecord {
  userId: string;
  role: MemberRole;
  joinedAt: Date;
  muted: boolean;
}

export interface ChatRecord {
  id: string;
  type: ChatType;
  title: string | null;
  lastSeq: number;
  createdAt: Date;
  /** Ordered by joinedAt, then userId (the order of succession for admins). */
  members: MemberRecord[];
}

/** What a chat-scoped call needs to decide not_found / forbidden. */
export interface ChatAccess {
  type: ChatType;
  lastSeq: number;
  isMember: boolean;
}

export function toChat(record: ChatRecord): Chat {
  return {
    id: record.id,
    type: record.type,
    title: record.title,
    members: record.members.map((m) => ({ userId: m.userId, role: m.role, joinedAt: m.joinedAt.toISOString() })),
    createdAt: record.createdAt.toISOString(),
    lastSeq: record.lastSeq,
  };
}

/** A messages row as pg returns it (bigint as string, bytea as Buffer). */
export interface MessageRow {
  id: string;
  chat_id: string;
  seq: string;
  sender_id: string;
  client_msg_id: string;
  body_ciphertext: Buffer;
  body_iv: Buffer;
  body_auth_tag: Buffer;
  key_id: string;
  created_at: Date;
  reply_to_seq: string | null;
  edited_at: Date | null;
  deleted: boolean;
  /** json_agg of {userId, emoji}, oldest first (reactionsOf). */
  reactions: Reaction[] | null;
}

export const MESSAGE_COLUMNS =
  'id, chat_id, seq, sender_id, client_msg_id, body_ciphertext, body_iv, body_auth_tag, key_id, created_at, reply_to_seq, edited_at, deleted';

/**
 * A message's reactions as one json column, oldest first. Only current members' count: so a
 * message carries at most one per member (a group holds at most 1,024), whoever left.
 */
export function reactionsOf(alias: string): string {
  return `(SELECT coalesce(json_agg(json_build_object('userId', r.user_id, 'emoji', r.emoji) ORDER BY r.created_at, r.user_id), '[]'::json)
           FROM reactions r JOIN chat_members rm ON rm.chat_id = r.chat_id AND rm.user_id = r.user_id
           WHERE r.chat_id = ${alias}.chat_id AND r.seq = ${alias}.seq)`;
}

export function toMessage(row: MessageRow, cipher: MessageCipher): Message {
  return {
    id: row.id,
    chatId: row.chat_id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    clientMsgId: row.client_msg_id,
    // A tombstone's ciphertext is gone (empty): there is nothing to decrypt.
    body: row.deleted
      ? ''
      : cipher.decrypt(
          { ciphertext: row.body_ciphertext, iv: row.body_iv, authTag: row.body_auth_tag, keyId: row.key_id },
          row.id,
        ),
    createdAt: row.created_at.toISOString(),
    replyToSeq: row.reply_to_seq === null ? null : Number(row.reply_to_seq),
    editedAt: row.edited_at === null ? null : row.edited_at.toISOString(),
    deleted: row.deleted,
    reactions: row.deleted ? [] : (row.reactions ?? []),
  };
}

export interface MemberRow {
  chat_id: string;
  user_id: string;
  role: MemberRole;
  joined_at: Date;
  muted: boolean;
}

export function toMember(row: MemberRow): MemberRecord {
  return { userId: row.user_id, role: row.role, joinedAt: row.joined_at, muted: row.muted };
}
