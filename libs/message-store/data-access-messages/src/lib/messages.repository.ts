import { randomUUID } from 'node:crypto';
import type { Message } from '@parley/contracts';
import type { MessageCipher } from './message-cipher';
import type { PgDatabase } from '@parley/shared/data-access-postgres';
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './records';

export interface AppendInput {
  chatId: string;
  senderId: string;
  clientMsgId: string;
  body: string;
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
  | { status: 'forbidden' };

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
  r_status: 'ok' | 'not_found' | 'forbidden' | 'members';
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
    // Resends are rare: insert first and let the idempotency key catch them; when it did,
    // nothing was changed, and the keys are looked up first.
    for (let attempt = 0; ; attempt++) {
      const lookup = attempt > 0;
      try {
        const rows = await this.db.query<AppendRow>({
          name: lookup ? 'ms_append_lookup' : 'ms_append',
          text: 'SELECT * FROM append_messages($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::bytea[], $7::bytea[], $8::bytea[], $9::text[], $10::boolean)',
          values: [...values, lookup],
        });
        return this.outcomes(items, rows);
      } catch (err) {
        if ((err as { code?: string }).code !== KEY_ALREADY_STORED || attempt >= LOOKUP_ATTEMPTS) throw err;
      }
    }
  }

  private outcomes(items: AppendInput[], rows: AppendRow[]): AppendOutcome[] {
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
    for (const r of itemRows) {
      const i = Number(r.r_ord) - 1;
      if (r.r_status !== 'ok') {
        out[i] = { status: r.r_status as 'not_found' | 'forbidden' };
        continue;
      }
      const item = items[i];
      const id = r.r_id as string;
      let message = byId.get(id);
      if (!message) {
        // The original of a resend may carry another body than this attempt: it is read back.
        const body = r.r_ct
          ? this.cipher.decrypt(
              { ciphertext: r.r_ct, iv: r.r_iv as Buffer, authTag: r.r_tag as Buffer, keyId: r.r_key_id as string },
              id,
            )
          : item.body;
        message = {
          id,
          chatId: item.chatId,
          seq: Number(r.r_seq),
          senderId: item.senderId,
          clientMsgId: item.clientMsgId,
          body,
          createdAt: (r.r_created_at as Date).toISOString(),
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
    const rows = await this.db.query<{ sender_id: string }>(
      `SELECT sender_id FROM messages WHERE chat_id = $1 AND seq = $2`,
      [chatId, seq],
    );
    return rows[0]?.sender_id ?? null;
  }
}
