import { randomUUID } from 'node:crypto';
import type { ChatType, MemberRole, Message } from '@parley/contracts';
import type { EventsRepository } from './events.repository';
import type { MessageCipher } from './message-cipher';
import type { PgDatabase, Queryable } from '@parley/shared/data-access-postgres';
import { MESSAGE_COLUMNS, reactionsOf, toMessage, type MessageRow } from './records';

export interface AppendInput {
  chatId: string;
  senderId: string;
  clientMsgId: string;
  body: string;
  /** A reply names a seq of the same chat, at most its lastSeq (else status 'invalid'). */
  replyToSeq?: number | null;
}

export type AppendOutcome =
  | {
      status: 'stored';
      created: boolean;
      message: Message;
      memberIds: string[];
      mutedMemberIds: string[];
      /** Created messages: member i's eventSeq is eventSeqBase[i] + message.seq. */
      eventSeqBase?: number[];
    }
  | { status: 'not_found' }
  | { status: 'forbidden' }
  /** A direct chat whose members block one another (either way). */
  | { status: 'blocked' }
  | { status: 'invalid' };

/** What a change of a message sees (MessagesRepository.change), read under the chat's lock. */
export interface ChangeTarget {
  /** null: no such chat. */
  chat: { type: ChatType; lastSeq: number } | null;
  /** null: the actor is not a member. */
  actorRole: MemberRole | null;
  /** A direct chat whose members block one another (either way): blocked_between(). */
  blocked: boolean;
  /** null: no such chat, or seq above its lastSeq. */
  message: Message | null;
}

export type MessageChange =
  { kind: 'edit'; body: string } | { kind: 'delete' } | { kind: 'react'; emoji: string | null };

export interface ChangeResult {
  message: Message;
  /** Every member of the chat, in joinedAt order. */
  memberIds: string[];
  /** false: the change was already the state (nothing written, nothing to tell anyone). */
  changed: boolean;
  /** When changed and `events` was given: each member's eventSeq of its message:updated (aligned with memberIds). */
  eventSeqs?: number[];
}

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit: number;
}

/** SQLSTATE append_messages() raises when a key of the batch was stored before (nothing changed). */
const KEY_ALREADY_STORED = 'PX409';
/** Lookup attempts after the optimistic one: each loses only to a concurrent append of the same key. */
const LOOKUP_ATTEMPTS = 3;

/** What append_messages() answers: one row per item (r_ord from 1), and one 'members' row per chat. */
interface AppendRow {
  r_ord: string | null;
  r_status: 'ok' | 'not_found' | 'forbidden' | 'blocked' | 'invalid' | 'members';
  r_chat_id: string;
  r_id: string | null;
  r_seq: string | null;
  r_created_at: Date | null;
  r_created: boolean | null;
  r_ct: Buffer | null;
  r_iv: Buffer | null;
  r_tag: Buffer | null;
  r_key_id: string | null;
  r_member_ids: string[] | null;
  r_muted_ids: string[] | null;
  r_event_base: string[] | null;
}

/** Appends (group commit) and history of the hash-partitioned messages table. */
export class MessagesRepository {
  constructor(
    private readonly db: PgDatabase,
    private readonly cipher: MessageCipher,
  ) {}

  /**
   * Appends many messages in ONE transaction (one statement: append_messages(), see its
   * migration) and answers each item on its own: unknown chat and non-member items are
   * refused without touching any seq; a (chat, sender, clientMsgId) already stored, or
   * repeated inside the batch, yields the stored original with created=false. New messages
   * of a chat get the next seqs in batch order while the chat row is locked, so seqs are
   * 1..N without gaps. Throws (and stores nothing) when the statement itself fails.
   */
  async appendBatch(items: AppendInput[]): Promise<AppendOutcome[]> {
    // Encrypted up front (the id is the cipher's associated data); a refused item's work is wasted, rarely.
    const ids = items.map(() => randomUUID());
    const encrypted = items.map((item, i) => this.cipher.encrypt(item.body, ids[i]));
    const values = [
      [...new Set(items.map((i) => i.chatId))].sort(),
      items.map((i) => i.chatId),
      items.map((i) => i.senderId),
      items.map((i) => i.clientMsgId),
      ids,
      encrypted.map((e) => e.ciphertext),
      encrypted.map((e) => e.iv),
      encrypted.map((e) => e.authTag),
      encrypted.map((e) => e.keyId),
    ];
    const replyToSeqs = items.map((i) => i.replyToSeq ?? null);
    // Resends are rare: insert first and let the idempotency key catch them; when it did,
    // nothing was changed, and the keys are looked up first.
    for (let attempt = 0; ; attempt++) {
      const lookup = attempt > 0;
      try {
        const rows = await this.db.query<AppendRow>({
          name: lookup ? 'ms_append_lookup' : 'ms_append',
          text: 'SELECT * FROM append_messages($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::bytea[], $7::bytea[], $8::bytea[], $9::text[], $10::boolean, $11::bigint[])',
          values: [...values, lookup, replyToSeqs],
        });
        return await this.outcomes(items, rows);
      } catch (err) {
        if ((err as { code?: string }).code !== KEY_ALREADY_STORED || attempt >= LOOKUP_ATTEMPTS) throw err;
      }
    }
  }

  private async outcomes(items: AppendInput[], rows: AppendRow[]): Promise<AppendOutcome[]> {
    const members = new Map<string, { memberIds: string[]; mutedMemberIds: string[]; eventSeqBase?: number[] }>();
    for (const r of rows) {
      if (r.r_status === 'members')
        members.set(r.r_chat_id, {
          memberIds: r.r_member_ids ?? [],
          mutedMemberIds: r.r_muted_ids ?? [],
          eventSeqBase: r.r_event_base?.map(Number),
        });
    }
    const out: AppendOutcome[] = new Array(items.length);
    // In item order, so the first item with a message id is its leader; followers share its message.
    const byId = new Map<string, Message>();
    const itemRows = rows.filter((r) => r.r_status !== 'members').sort((a, b) => Number(a.r_ord) - Number(b.r_ord));
    // Originals stored before this batch (resends): read back whole, as they are now (another
    // body than this attempt's, an edit, a tombstone, reactions). Rare: one query when any.
    const stored = itemRows.filter((r) => r.r_status === 'ok' && r.r_created !== true);
    const created = new Set(itemRows.filter((r) => r.r_created === true).map((r) => r.r_id as string));
    const originals = stored.filter((r) => !created.has(r.r_id as string));
    if (originals.length > 0) {
      for (const m of await this.byKeys(
        originals.map((r) => r.r_chat_id),
        originals.map((r) => Number(r.r_seq)),
      ))
        byId.set(m.id, m);
    }
    for (const r of itemRows) {
      const i = Number(r.r_ord) - 1;
      if (r.r_status !== 'ok') {
        out[i] = { status: r.r_status as 'not_found' | 'forbidden' | 'blocked' | 'invalid' };
        continue;
      }
      const item = items[i];
      const id = r.r_id as string;
      let message = byId.get(id);
      if (!message) {
        message = {
          id,
          chatId: item.chatId,
          seq: Number(r.r_seq),
          senderId: item.senderId,
          clientMsgId: item.clientMsgId,
          body: item.body,
          createdAt: (r.r_created_at as Date).toISOString(),
          replyToSeq: item.replyToSeq ?? null,
          editedAt: null,
          deleted: false,
          reactions: [],
        };
        byId.set(id, message);
      }
      const m = members.get(item.chatId) ?? { memberIds: [], mutedMemberIds: [] };
      const created = r.r_created === true;
      out[i] = {
        status: 'stored',
        created,
        message,
        memberIds: m.memberIds,
        mutedMemberIds: m.mutedMemberIds,
        ...(created && m.eventSeqBase ? { eventSeqBase: m.eventSeqBase } : {}),
      };
    }
    for (let i = 0; i < items.length; i++) {
      if (!out[i]) throw new Error(`append_messages answered no row for item ${i + 1} of ${items.length}`);
    }
    return out;
  }

  /** Whole messages by (chatId, seq) pairs. */
  private async byKeys(chatIds: string[], seqs: number[]): Promise<Message[]> {
    const rows = await this.db.query<MessageRow>(
      `SELECT ${prefixed('m')}, ${reactionsOf('m')} AS reactions
       FROM unnest($1::uuid[], $2::bigint[]) AS k(chat_id, seq)
       JOIN messages m ON m.chat_id = k.chat_id AND m.seq = k.seq`,
      [chatIds, seqs],
    );
    return rows.map((r) => toMessage(r, this.cipher));
  }

  /**
   * One change of a stored message (edit, delete, react) in ONE transaction with the chat row
   * locked (the lock appends and member changes take too): `decide` sees the chat, the actor's
   * membership and the message as they are, and either throws (nothing changes) or says what
   * to do. Answers the message as it is after, its chat's members, and whether anything changed.
   */
  change(
    chatId: string,
    seq: number,
    actorId: string,
    decide: (target: ChangeTarget) => MessageChange | Promise<MessageChange>,
    events?: EventsRepository,
  ): Promise<ChangeResult> {
    return this.db.transaction(async (q) => {
      // The block check rides on this statement: a second pool connection taken while this one
      // holds the chat lock would starve the pool under concurrent changes of one chat.
      const chats = await q.query<{ type: ChatType; last_seq: string; blocked: boolean }>(
        `SELECT type, last_seq, blocked_between(id, $2) AS blocked FROM chats WHERE id = $1 FOR NO KEY UPDATE`,
        [chatId, actorId],
      );
      const members = chats.length
        ? await q.query<{ user_id: string; role: MemberRole }>(
            `SELECT user_id, role FROM chat_members WHERE chat_id = $1 ORDER BY joined_at, user_id`,
            [chatId],
          )
        : [];
      const lastSeq = chats.length ? Number(chats[0].last_seq) : 0;
      const read = async () => {
        const rows = await q.query<MessageRow>(
          `SELECT ${MESSAGE_COLUMNS}, ${reactionsOf('m')} AS reactions FROM messages m WHERE chat_id = $1 AND seq = $2`,
          [chatId, seq],
        );
        return rows.length ? toMessage(rows[0], this.cipher) : null;
      };
      const before = chats.length && seq <= lastSeq ? await read() : null;
      const change = await decide({
        chat: chats.length ? { type: chats[0].type, lastSeq } : null,
        actorRole: members.find((m) => m.user_id === actorId)?.role ?? null,
        blocked: chats[0]?.blocked === true,
        message: before,
      });
      const memberIds = members.map((m) => m.user_id);
      if (!before) throw new Error('decide() accepted a change of a message that does not exist');
      const changed = await this.apply(q, before, actorId, change);
      if (!changed) return { message: before, memberIds, changed };
      // One message:updated per member, in this transaction, user heads locked last (after the chat).
      const seqs = await events?.append(
        q,
        chatId,
        memberIds.map((userId) => ({ userId, type: 'message:updated' as const, payload: null })),
        [],
        seq,
      );
      const eventSeqs = seqs ? { eventSeqs: memberIds.map((id) => seqs.get(id) ?? 0) } : {};
      return { message: (await read()) as Message, memberIds, changed, ...eventSeqs };
    });
  }

  /** Whether it changed anything: a change to the current state is none (no event). */
  private async apply(q: Queryable, m: Message, actorId: string, change: MessageChange): Promise<boolean> {
    switch (change.kind) {
      case 'edit': {
        if (change.body === m.body) return false;
        const e = this.cipher.encrypt(change.body, m.id);
        await q.execute(
          `UPDATE messages SET body_ciphertext = $3, body_iv = $4, body_auth_tag = $5, key_id = $6, edited_at = clock_timestamp()
           WHERE chat_id = $1 AND seq = $2`,
          [m.chatId, m.seq, e.ciphertext, e.iv, e.authTag, e.keyId],
        );
        return true;
      }
      case 'delete':
        if (m.deleted) return false;
        // The body itself goes (not a flag over it): a dump of the table no longer holds it.
        await q.execute(
          `UPDATE messages SET body_ciphertext = ''::bytea, body_iv = ''::bytea, body_auth_tag = ''::bytea, deleted = true
           WHERE chat_id = $1 AND seq = $2`,
          [m.chatId, m.seq],
        );
        await q.execute(`DELETE FROM reactions WHERE chat_id = $1 AND seq = $2`, [m.chatId, m.seq]);
        return true;
      case 'react':
        if (change.emoji === null) {
          return (
            (await q.execute(`DELETE FROM reactions WHERE chat_id = $1 AND seq = $2 AND user_id = $3`, [
              m.chatId,
              m.seq,
              actorId,
            ])) > 0
          );
        }
        // A replaced reaction moves to the end (created_at); the same one again changes nothing.
        return (
          (await q.execute(
            `INSERT INTO reactions (chat_id, seq, user_id, emoji, created_at) VALUES ($1, $2, $3, $4, clock_timestamp())
             ON CONFLICT (chat_id, seq, user_id) DO UPDATE SET emoji = EXCLUDED.emoji, created_at = EXCLUDED.created_at
             WHERE reactions.emoji <> EXCLUDED.emoji`,
            [m.chatId, m.seq, actorId, change.emoji],
          )) > 0
        );
    }
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
        `SELECT ${MESSAGE_COLUMNS}, ${reactionsOf('m')} AS reactions FROM messages m WHERE chat_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3`,
        [chatId, query.after, take],
      );
    } else {
      rows = await this.db.query<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS}, ${reactionsOf('m')} AS reactions FROM messages m WHERE chat_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
        [chatId, query.before ?? Number.MAX_SAFE_INTEGER, take],
      );
      rows.reverse();
    }
    const hasMore = rows.length > query.limit;
    if (hasMore) rows = query.after !== undefined ? rows.slice(0, query.limit) : rows.slice(rows.length - query.limit);
    return { messages: rows.map((r) => toMessage(r, this.cipher)), hasMore };
  }

  async senderOf(chatId: string, seq: number): Promise<string | null> {
    const rows = await this.db.query<{ sender_id: string }>(
      `SELECT sender_id FROM messages WHERE chat_id = $1 AND seq = $2`,
      [chatId, seq],
    );
    return rows[0]?.sender_id ?? null;
  }
}

/** MESSAGE_COLUMNS of one table alias. */
function prefixed(alias: string): string {
  return MESSAGE_COLUMNS.split(', ')
    .map((c) => `${alias}.${c}`)
    .join(', ');
}
