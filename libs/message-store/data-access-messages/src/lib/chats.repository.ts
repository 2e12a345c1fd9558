import type { ChatType, MemberRole, Message } from '@parley/contracts';
import type { MessageCipher } from './message-cipher';
import type { PgDatabase, Queryable } from '@parley/shared/data-access-postgres';
import {
  reactionsOf,
  toMember,
  toMessage,
  type ChatAccess,
  type ChatRecord,
  type MemberRecord,
  type MemberRow,
  type MessageRow,
} from './records';

interface ChatRow {
  id: string;
  type: ChatType;
  title: string | null;
  last_seq: string;
  created_at: Date;
}

/** Where a chat stands in a user's chat list: activity time in microseconds (exact), then id. */
export interface ChatListPosition {
  activityUs: string;
  chatId: string;
}

export interface ChatSummaryRecord extends ChatRecord {
  position: ChatListPosition;
  memberCount: number;
  lastMessage: Message | null;
  unreadCount: number;
  muted: boolean;
}

export interface UserChatCursorRecord {
  chatId: string;
  lastSeq: number;
  deliveredSeq: number;
  readSeq: number;
}

async function loadChat(q: Queryable, chatId: string, lock: boolean): Promise<ChatRecord | null> {
  // NO KEY UPDATE: serialises with appends and other member changes of this chat,
  // but not with the foreign-key checks of chat_members inserts.
  const rows = await q.query<ChatRow>(
    `SELECT id, type, title, last_seq, created_at FROM chats WHERE id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`,
    [chatId],
  );
  if (rows.length === 0) return null;
  const members = await q.query<MemberRow>(
    `SELECT chat_id, user_id, role, joined_at, muted FROM chat_members WHERE chat_id = $1 ORDER BY joined_at, user_id`,
    [chatId],
  );
  return fromRow(rows[0], members.map(toMember));
}

function fromRow(row: ChatRow, members: MemberRecord[]): ChatRecord {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    lastSeq: Number(row.last_seq),
    createdAt: row.created_at,
    members,
  };
}

/** Reads and single-statement writes of chats and chat_members. */
export class ChatsRepository {
  constructor(
    private readonly db: PgDatabase,
    private readonly cipher: MessageCipher,
  ) {}

  /** Runs `work` in one transaction; ChatWriter.lockChat serialises changes per chat. */
  transaction<T>(work: (tx: ChatWriter) => Promise<T>): Promise<T> {
    return this.db.transaction((q) => work(new ChatWriter(q)));
  }

  findChat(chatId: string): Promise<ChatRecord | null> {
    return loadChat(this.db, chatId, false);
  }

  async access(chatId: string, userId: string): Promise<ChatAccess | null> {
    const rows = await this.db.query<{ type: ChatType; last_seq: string; is_member: boolean }>({
      name: 'ms_chat_access',
      text: `SELECT c.type, c.last_seq, EXISTS (SELECT 1 FROM chat_members m WHERE m.chat_id = c.id AND m.user_id = $2) AS is_member
             FROM chats c WHERE c.id = $1`,
      values: [chatId, userId],
    });
    if (rows.length === 0) return null;
    return { type: rows[0].type, lastSeq: Number(rows[0].last_seq), isMember: rows[0].is_member };
  }

  /** Access and the member list in one round trip (receipts and member lookups are frequent). */
  async accessWithMembers(
    chatId: string,
  ): Promise<(Omit<ChatAccess, 'isMember'> & { memberIds: string[]; mutedMemberIds: string[] }) | null> {
    const rows = await this.db.query<{
      type: ChatType;
      last_seq: string;
      member_ids: string[] | null;
      muted_ids: string[] | null;
    }>({
      name: 'ms_chat_access_members_muted',
      text: `SELECT c.type, c.last_seq,
                    array_agg(m.user_id ORDER BY m.joined_at, m.user_id) FILTER (WHERE m.user_id IS NOT NULL) AS member_ids,
                    array_agg(m.user_id ORDER BY m.joined_at, m.user_id) FILTER (WHERE m.muted) AS muted_ids
             FROM chats c LEFT JOIN chat_members m ON m.chat_id = c.id
             WHERE c.id = $1 GROUP BY c.id`,
      values: [chatId],
    });
    if (rows.length === 0) return null;
    return {
      type: rows[0].type,
      lastSeq: Number(rows[0].last_seq),
      memberIds: rows[0].member_ids ?? [],
      mutedMemberIds: rows[0].muted_ids ?? [],
    };
  }

  /**
   * A page of the user's chats, most recent activity (last message, else creation) first, then
   * by id; `after` is the last entry of the previous page. Each entry carries its first
   * `membersPerChat` members by joinedAt and its member count. One more row than `limit` may
   * come back: the caller learns from it that there is a next page.
   */
  async listForUser(
    userId: string,
    page: { limit: number; membersPerChat: number; after?: ChatListPosition },
  ): Promise<ChatSummaryRecord[]> {
    const rows = await this.db.query<
      ChatRow & { muted: boolean; unread: string; member_count: string; activity_us: string } & {
        [K in keyof MessageRow as `lm_${K}`]: MessageRow[K] | null;
      }
    >(
      `WITH mine AS (
         SELECT c.id, c.type, c.title, c.last_seq, c.created_at, me.muted, me.read_seq,
                (extract(epoch FROM COALESCE(c.last_message_at, c.created_at)) * 1000000)::bigint AS activity_us
         FROM chat_members me JOIN chats c ON c.id = me.chat_id
         WHERE me.user_id = $1
       ), page AS (
         SELECT * FROM mine
         WHERE $3::bigint IS NULL OR activity_us < $3::bigint OR (activity_us = $3::bigint AND id > $4::uuid)
         ORDER BY activity_us DESC, id
         LIMIT $2
       )
       SELECT p.id, p.type, p.title, p.last_seq, p.created_at, p.muted, p.activity_us,
              (SELECT count(*) FROM messages x WHERE x.chat_id = p.id AND x.seq > p.read_seq AND x.sender_id <> $1) AS unread,
              (SELECT count(*) FROM chat_members m WHERE m.chat_id = p.id) AS member_count,
              lm.id AS lm_id, lm.chat_id AS lm_chat_id, lm.seq AS lm_seq, lm.sender_id AS lm_sender_id,
              lm.client_msg_id AS lm_client_msg_id, lm.body_ciphertext AS lm_body_ciphertext, lm.body_iv AS lm_body_iv,
              lm.body_auth_tag AS lm_body_auth_tag, lm.key_id AS lm_key_id, lm.created_at AS lm_created_at,
              lm.reply_to_seq AS lm_reply_to_seq, lm.edited_at AS lm_edited_at, lm.deleted AS lm_deleted,
              ${reactionsOf('lm')} AS lm_reactions
       FROM page p
       LEFT JOIN messages lm ON lm.chat_id = p.id AND lm.seq = p.last_seq
       ORDER BY p.activity_us DESC, p.id`,
      [userId, page.limit + 1, page.after?.activityUs ?? null, page.after?.chatId ?? null],
    );
    if (rows.length === 0) return [];
    const members = await this.db.query<MemberRow>(
      `SELECT p.id AS chat_id, m.user_id, m.role, m.joined_at, m.muted
       FROM unnest($1::uuid[]) AS p(id)
       CROSS JOIN LATERAL (
         SELECT user_id, role, joined_at, muted FROM chat_members
         WHERE chat_id = p.id ORDER BY joined_at, user_id LIMIT $2
       ) m`,
      [rows.map((r) => r.id), page.membersPerChat],
    );
    const byChat = new Map<string, MemberRecord[]>();
    for (const m of members) {
      const list = byChat.get(m.chat_id) ?? [];
      list.push(toMember(m));
      byChat.set(m.chat_id, list);
    }
    return rows.map((r) => ({
      ...fromRow(r, byChat.get(r.id) ?? []),
      position: { activityUs: r.activity_us, chatId: r.id },
      memberCount: Number(r.member_count),
      muted: r.muted,
      unreadCount: Number(r.unread),
      lastMessage:
        r.lm_id === null
          ? null
          : toMessage(
              {
                id: r.lm_id,
                chat_id: r.lm_chat_id as string,
                seq: r.lm_seq as string,
                sender_id: r.lm_sender_id as string,
                client_msg_id: r.lm_client_msg_id as string,
                body_ciphertext: r.lm_body_ciphertext as Buffer,
                body_iv: r.lm_body_iv as Buffer,
                body_auth_tag: r.lm_body_auth_tag as Buffer,
                key_id: r.lm_key_id as string,
                created_at: r.lm_created_at as Date,
                reply_to_seq: r.lm_reply_to_seq,
                edited_at: r.lm_edited_at,
                deleted: r.lm_deleted as boolean,
                reactions: r.lm_reactions,
              },
              this.cipher,
            ),
    }));
  }

  /** A page of the user's chats with their watermarks, by chat id, after `afterChatId`. */
  async cursors(userId: string, page: { limit: number; afterChatId?: string }): Promise<UserChatCursorRecord[]> {
    const rows = await this.db.query<{ chat_id: string; last_seq: string; delivered_seq: string; read_seq: string }>(
      `SELECT me.chat_id, c.last_seq, me.delivered_seq, me.read_seq
       FROM chat_members me JOIN chats c ON c.id = me.chat_id
       WHERE me.user_id = $1 AND ($3::uuid IS NULL OR me.chat_id > $3::uuid)
       ORDER BY me.chat_id LIMIT $2`,
      [userId, page.limit, page.afterChatId ?? null],
    );
    return rows.map((r) => ({
      chatId: r.chat_id,
      lastSeq: Number(r.last_seq),
      deliveredSeq: Number(r.delivered_seq),
      readSeq: Number(r.read_seq),
    }));
  }

  /** Of `otherUserIds`, those who share no chat with `userId`. */
  async strangers(userId: string, otherUserIds: string[]): Promise<string[]> {
    if (otherUserIds.length === 0) return [];
    const rows = await this.db.query<{ user_id: string }>(
      `SELECT DISTINCT other.user_id
       FROM chat_members me JOIN chat_members other ON other.chat_id = me.chat_id
       WHERE me.user_id = $1 AND other.user_id = ANY($2::uuid[])`,
      [userId, otherUserIds],
    );
    const known = new Set(rows.map((r) => r.user_id));
    return otherUserIds.filter((id) => !known.has(id));
  }

  /** false when the user is not a member (then nothing changed). */
  async setMuted(chatId: string, userId: string, muted: boolean): Promise<boolean> {
    const rows = await this.db.query<{ muted: boolean }>(
      `UPDATE chat_members SET muted = $3 WHERE chat_id = $1 AND user_id = $2 RETURNING muted`,
      [chatId, userId, muted],
    );
    return rows.length === 1;
  }
}

/** Writes of one transaction; call lockChat first so concurrent changes of a chat queue up. */
export class ChatWriter {
  constructor(private readonly q: Queryable) {}

  lockChat(chatId: string): Promise<ChatRecord | null> {
    return loadChat(this.q, chatId, true);
  }

  /** The direct chat of a pair, created with both members unless it exists already. */
  async createDirect(userA: string, userB: string): Promise<{ chatId: string; created: boolean }> {
    const [low, high] = [userA, userB].sort();
    const key = `${low}:${high}`;
    // ON CONFLICT waits for a concurrent creator of the same pair, then yields to it.
    const inserted = await this.q.query<{ id: string }>(
      `INSERT INTO chats (type, title, direct_key) VALUES ('direct', NULL, $1)
       ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
      [key],
    );
    if (inserted.length === 0) {
      const existing = await this.q.query<{ id: string }>(`SELECT id FROM chats WHERE direct_key = $1`, [key]);
      return { chatId: existing[0].id, created: false };
    }
    await this.addMembers(inserted[0].id, [low, high], 'member', 0);
    return { chatId: inserted[0].id, created: true };
  }

  async createGroup(title: string, creatorId: string, memberIds: string[]): Promise<string> {
    const rows = await this.q.query<{ id: string }>(
      `INSERT INTO chats (type, title) VALUES ('group', $1) RETURNING id`,
      [title],
    );
    const chatId = rows[0].id;
    await this.addMembers(chatId, [creatorId], 'admin', 0);
    await this.addMembers(chatId, memberIds, 'member', 0);
    return chatId;
  }

  /**
   * New members start with both watermarks at `fromSeq` (the chat's lastSeq when they
   * join): nothing from before is replayed to them or counted unread. Existing
   * members are left as they are. Returns the ids actually added.
   */
  async addMembers(chatId: string, userIds: string[], role: MemberRole, fromSeq: number): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.q.query<{ user_id: string }>(
      `INSERT INTO chat_members (chat_id, user_id, role, delivered_seq, read_seq)
       SELECT $1, u, $3, $4, $4 FROM unnest($2::uuid[]) AS u
       ON CONFLICT (chat_id, user_id) DO NOTHING RETURNING user_id`,
      [chatId, userIds, role, fromSeq],
    );
    return rows.map((r) => r.user_id);
  }

  async removeMember(chatId: string, userId: string): Promise<void> {
    await this.q.query(`DELETE FROM chat_members WHERE chat_id = $1 AND user_id = $2`, [chatId, userId]);
  }

  async setRole(chatId: string, userId: string, role: MemberRole): Promise<void> {
    await this.q.query(`UPDATE chat_members SET role = $3 WHERE chat_id = $1 AND user_id = $2`, [chatId, userId, role]);
  }

  async setTitle(chatId: string, title: string): Promise<void> {
    await this.q.query(`UPDATE chats SET title = $2 WHERE id = $1`, [chatId, title]);
  }
}
