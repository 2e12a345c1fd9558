import { randomUUID } from 'node:crypto';
import type { Message } from '@parley/contracts';
import type { MessageCipher } from './message-cipher';
import type { PgDatabase, Queryable } from './pg-database';
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './records';

export interface AppendInput {
  chatId: string;
  senderId: string;
  clientMsgId: string;
  body: string;
}

export type AppendOutcome =
  | { status: 'stored'; created: boolean; message: Message; memberIds: string[]; mutedMemberIds: string[] }
  | { status: 'not_found' }
  | { status: 'forbidden' };

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit: number;
}

interface ChatMembership {
  memberIds: string[];
  mutedMemberIds: string[];
  isMember: Set<string>;
}

/** The optimistic insert met a key stored before: the attempt is rolled back and redone with a lookup. */
class KeyAlreadyStored extends Error {
  constructor() {
    super('an idempotency key of the batch is already stored');
  }
}

const idempotencyKey = (i: { chatId: string; senderId: string; clientMsgId: string }) =>
  `${i.chatId}\u0000${i.senderId}\u0000${i.clientMsgId}`;

/** Appends (group commit) and history of the hash-partitioned messages table. */
export class MessagesRepository {
  constructor(
    private readonly db: PgDatabase,
    private readonly cipher: MessageCipher,
  ) {}

  /**
   * Appends many messages in ONE transaction and answers each item on its own:
   * unknown chat and non-member items are refused without touching any seq; a
   * (chat, sender, clientMsgId) already stored, or repeated inside the batch, yields
   * the stored original with created=false. New messages of a chat get the next
   * seqs in batch order while the chat row is locked, so seqs are 1..N without gaps.
   * Throws (and stores nothing) when the transaction itself fails.
   */
  async appendBatch(items: AppendInput[]): Promise<AppendOutcome[]> {
    try {
      // Resends are rare: insert first and let the idempotency key catch them...
      return await this.db.transaction((q) => this.appendIn(q, items, true));
    } catch (err) {
      if (!(err instanceof KeyAlreadyStored)) throw err;
      // ...and when one was caught, start over looking the keys up first.
      return this.db.transaction((q) => this.appendIn(q, items, false));
    }
  }

  /**
   * One attempt in one transaction. Optimistic: no lookup of stored keys (on a
   * partitioned table that lookup costs as much as the insert); the insert skips
   * conflicting keys, and if it skipped any, KeyAlreadyStored rolls the attempt back.
   */
  private async appendIn(q: Queryable, items: AppendInput[], optimistic: boolean): Promise<AppendOutcome[]> {
    const chatIds = [...new Set(items.map((i) => i.chatId))].sort();
    // Rows locked in id order, so batches sharing chats never deadlock.
    const locked = await q.query<{ id: string; last_seq: string }>({
      name: 'ms_append_lock_chats',
      text: `SELECT id, last_seq FROM chats WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
      values: [chatIds],
    });
    const lastSeq = new Map(locked.map((r) => [r.id, Number(r.last_seq)]));
    const outcomes: (AppendOutcome | undefined)[] = new Array(items.length);
    if (lastSeq.size === 0) return items.map(() => ({ status: 'not_found' as const }));

    const memberRows = await q.query<{ chat_id: string; user_id: string; muted: boolean }>({
      name: 'ms_append_members',
      text: `SELECT chat_id, user_id, muted FROM chat_members WHERE chat_id = ANY($1::uuid[]) ORDER BY joined_at, user_id`,
      values: [[...lastSeq.keys()]],
    });
    const membership = new Map<string, ChatMembership>();
    for (const id of lastSeq.keys()) membership.set(id, { memberIds: [], mutedMemberIds: [], isMember: new Set() });
    for (const r of memberRows) {
      const m = membership.get(r.chat_id) as ChatMembership;
      m.memberIds.push(r.user_id);
      m.isMember.add(r.user_id);
      if (r.muted) m.mutedMemberIds.push(r.user_id);
    }

    // Refusals first: they never reach the seq counter.
    const accepted: number[] = [];
    items.forEach((item, i) => {
      const m = membership.get(item.chatId);
      if (!m) outcomes[i] = { status: 'not_found' };
      else if (!m.isMember.has(item.senderId)) outcomes[i] = { status: 'forbidden' };
      else accepted.push(i);
    });

    // Items repeating a key inside the batch follow the first one with that key.
    const firstByKey = new Map<string, number>();
    const followers: [index: number, leader: number][] = [];
    for (const i of accepted) {
      const key = idempotencyKey(items[i]);
      const leader = firstByKey.get(key);
      if (leader === undefined) firstByKey.set(key, i);
      else followers.push([i, leader]);
    }
    const leaders = [...firstByKey.values()];

    const stored = new Map<number, Message>();
    if (leaders.length > 0 && !optimistic) {
      const existing = await q.query<MessageRow>({
        name: 'ms_append_find_existing',
        text: `SELECT m.id, m.chat_id, m.seq, m.sender_id, m.client_msg_id, m.body_ciphertext, m.body_iv,
                      m.body_auth_tag, m.key_id, m.created_at
               FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS k(chat_id, sender_id, client_msg_id)
               JOIN messages m
                 ON m.chat_id = k.chat_id AND m.sender_id = k.sender_id AND m.client_msg_id = k.client_msg_id`,
        values: [leaders.map((i) => items[i].chatId), leaders.map((i) => items[i].senderId), leaders.map((i) => items[i].clientMsgId)],
      });
      const existingByKey = new Map(existing.map((row) => [idempotencyKey({ chatId: row.chat_id, senderId: row.sender_id, clientMsgId: row.client_msg_id }), row]));
      for (const i of leaders) {
        const row = existingByKey.get(idempotencyKey(items[i]));
        if (row) stored.set(i, toMessage(row, this.cipher));
      }
    }

    const fresh = leaders.filter((i) => !stored.has(i));
    const created = new Set<number>();
    if (fresh.length > 0) {
      const seqs = new Map<number, number>();
      for (const i of fresh) {
        const next = (lastSeq.get(items[i].chatId) as number) + 1;
        lastSeq.set(items[i].chatId, next);
        seqs.set(i, next);
      }
      const bumpedChats = [...new Set(fresh.map((i) => items[i].chatId))];
      const rows = fresh.map((i) => {
        const id = randomUUID();
        return { i, id, encrypted: this.cipher.encrypt(items[i].body, id) };
      });
      const inserted = await q.query<{ id: string; created_at: Date }>({
        name: optimistic ? 'ms_append_insert_optimistic' : 'ms_append_insert',
        text: `WITH bumped AS (
                 UPDATE chats c
                 SET last_seq = v.last_seq,
                     last_message_at = GREATEST(clock_timestamp(), c.last_message_at)
                 FROM unnest($1::uuid[], $2::bigint[]) AS v(id, last_seq)
                 WHERE c.id = v.id
                 RETURNING c.id, c.last_message_at
               )
               INSERT INTO messages (${MESSAGE_COLUMNS})
               SELECT n.id, n.chat_id, n.seq, n.sender_id, n.client_msg_id, n.ct, n.iv, n.tag, n.key_id, b.last_message_at
               FROM unnest($3::uuid[], $4::uuid[], $5::bigint[], $6::uuid[], $7::text[], $8::bytea[], $9::bytea[],
                           $10::bytea[], $11::text[]) AS n(id, chat_id, seq, sender_id, client_msg_id, ct, iv, tag, key_id)
               JOIN bumped b ON b.id = n.chat_id
               ${optimistic ? 'ON CONFLICT (chat_id, sender_id, client_msg_id) DO NOTHING' : ''}
               RETURNING id, created_at`,
        values: [
          bumpedChats,
          bumpedChats.map((id) => lastSeq.get(id)),
          rows.map((r) => r.id),
          rows.map((r) => items[r.i].chatId),
          rows.map((r) => seqs.get(r.i)),
          rows.map((r) => items[r.i].senderId),
          rows.map((r) => items[r.i].clientMsgId),
          rows.map((r) => r.encrypted.ciphertext),
          rows.map((r) => r.encrypted.iv),
          rows.map((r) => r.encrypted.authTag),
          rows.map((r) => r.encrypted.keyId),
        ],
      });
      if (inserted.length !== rows.length) {
        if (optimistic) throw new KeyAlreadyStored();
        throw new Error(`append inserted ${inserted.length} of ${rows.length} rows`);
      }
      const createdAt = new Map(inserted.map((r) => [r.id, r.created_at.toISOString()]));
      for (const r of rows) {
        const item = items[r.i];
        stored.set(r.i, {
          id: r.id,
          chatId: item.chatId,
          seq: seqs.get(r.i) as number,
          senderId: item.senderId,
          clientMsgId: item.clientMsgId,
          body: item.body,
          createdAt: createdAt.get(r.id) as string,
        });
        created.add(r.i);
      }
    }

    const answer = (i: number, leader: number): AppendOutcome => {
      const m = membership.get(items[i].chatId) as ChatMembership;
      return {
        status: 'stored',
        created: i === leader && created.has(i),
        message: stored.get(leader) as Message,
        memberIds: m.memberIds,
        mutedMemberIds: m.mutedMemberIds,
      };
    };
    for (const i of leaders) outcomes[i] = answer(i, i);
    for (const [i, leader] of followers) outcomes[i] = answer(i, leader);
    return outcomes as AppendOutcome[];
  }

  /**
   * One page, ascending by seq. Latest page / `before`: the newest messages below the
   * cursor, hasMore = older ones exist; `after`: the oldest above it, hasMore = newer exist.
   */
  async page(chatId: string, query: HistoryQuery): Promise<{ messages: Message[]; hasMore: boolean }> {
    const take = query.limit + 1;
    let rows: MessageRow[];
    if (query.after !== undefined) {
      rows = await this.db.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE chat_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3`,
        [chatId, query.after, take],
      );
    } else {
      rows = await this.db.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE chat_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
        [chatId, query.before ?? Number.MAX_SAFE_INTEGER, take],
      );
      rows.reverse();
    }
    const hasMore = rows.length > query.limit;
    if (hasMore) rows = query.after !== undefined ? rows.slice(0, query.limit) : rows.slice(rows.length - query.limit);
    return { messages: rows.map((r) => toMessage(r, this.cipher)), hasMore };
  }

  async senderOf(chatId: string, seq: number): Promise<string | null> {
    const rows = await this.db.query<{ sender_id: string }>(`SELECT sender_id FROM messages WHERE chat_id = $1 AND seq = $2`, [
      chatId,
      seq,
    ]);
    return rows[0]?.sender_id ?? null;
  }
}
