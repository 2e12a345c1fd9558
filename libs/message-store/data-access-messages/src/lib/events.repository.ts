import type { StreamEvent, StreamEventType } from '@parley/contracts';
import type { PgDatabase, Queryable } from '@parley/shared/data-access-postgres';
import type { MessageCipher } from './message-cipher';
import { MESSAGE_COLUMNS, reactionsOf, toMessage, type MessageRow } from './records';

/** user_events.kind: a smallint per event type (message events hold a reference, not a payload). */
const EVENT_KINDS: Readonly<Record<StreamEventType, number>> = {
  'message:new': 1,
  'message:updated': 2,
  receipt: 3,
  'chat:new': 4,
  'chat:updated': 5,
  'chat:removed': 6,
};
const TYPE_OF_KIND = new Map(Object.entries(EVENT_KINDS).map(([type, kind]) => [kind, type as StreamEventType]));

/** One event for one user: its type and the index of its payload in the call's payload list. */
export interface UserEventEntry {
  userId: string;
  type: StreamEventType;
  /** Index into `payloads` (null: a message reference, no payload). */
  payload: number | null;
}

export interface EventBounds {
  /** The user's latest eventSeq (0: none yet). */
  lastEventSeq: number;
  /** The oldest eventSeq still kept (lastEventSeq + 1 when none is kept). */
  oldestEventSeq: number;
}

type EventRow = {
  event_seq: string;
  kind: number;
  e_chat_id: string;
  msg_seq: string | null;
  payload: unknown;
} & { [K in keyof MessageRow]: MessageRow[K] | null };

const M_COLUMNS = MESSAGE_COLUMNS.split(', ')
  .map((c) => `m.${c}`)
  .join(', ');

/** The per-user event stream: user_event_heads and user_events (hash-partitioned by user). */
export class EventsRepository {
  constructor(
    private readonly db: PgDatabase,
    private readonly cipher: MessageCipher,
  ) {}

  /**
   * Gives each entry's user (distinct users) its next eventSeq, inside the caller's
   * transaction `q`, AFTER the caller locked the chat (heads are locked in user id order,
   * last: the order every event writer follows, so writers never deadlock). Returns
   * userId -> eventSeq.
   */
  async append(
    q: Queryable,
    chatId: string,
    entries: UserEventEntry[],
    payloads: unknown[],
    msgSeq: number | null = null,
  ): Promise<Map<string, number>> {
    if (entries.length === 0) return new Map();
    const rows = await q.query<{ user_id: string; event_seq: string }>({
      name: 'ms_user_events_append',
      text: `WITH items AS (
               SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::int[]) AS t(user_id, kind, pidx)
             ),
             heads AS (
               INSERT INTO user_event_heads AS h (user_id, last_event_seq)
               SELECT i.user_id, 1 FROM items i ORDER BY i.user_id
               ON CONFLICT (user_id) DO UPDATE SET last_event_seq = h.last_event_seq + 1
               RETURNING h.user_id, h.last_event_seq
             ),
             inserted AS (
               INSERT INTO user_events (user_id, event_seq, kind, chat_id, msg_seq, payload)
               SELECT i.user_id, hd.last_event_seq, i.kind, $4::uuid, $5::bigint, ($6::jsonb[])[i.pidx]
               FROM items i JOIN heads hd ON hd.user_id = i.user_id
             )
             SELECT user_id, last_event_seq AS event_seq FROM heads`,
      values: [
        entries.map((e) => e.userId),
        entries.map((e) => EVENT_KINDS[e.type]),
        entries.map((e) => (e.payload === null ? null : e.payload + 1)),
        chatId,
        msgSeq,
        payloads.map((p) => JSON.stringify(p)),
      ],
    });
    return new Map(rows.map((r) => [r.user_id, Number(r.event_seq)]));
  }

  async bounds(userId: string): Promise<EventBounds> {
    const rows = await this.db.query<{ last_event_seq: string | null; oldest: string | null }>({
      name: 'ms_user_events_bounds',
      text: `SELECT (SELECT last_event_seq FROM user_event_heads WHERE user_id = $1) AS last_event_seq,
                    (SELECT min(event_seq) FROM user_events WHERE user_id = $1) AS oldest`,
      values: [userId],
    });
    const last = Number(rows[0]?.last_event_seq ?? 0);
    return { lastEventSeq: last, oldestEventSeq: rows[0]?.oldest === null ? last + 1 : Number(rows[0].oldest) };
  }

  /**
   * Events with eventSeq > since, ascending, at most `limit` (one more tells there are more).
   * Message events are read from messages now: current state, so a deleted body is never sent again.
   */
  async page(userId: string, since: number, limit: number): Promise<StreamEvent[]> {
    const rows = await this.db.query<EventRow>({
      name: 'ms_user_events_page',
      text: `SELECT e.event_seq, e.kind, e.chat_id AS e_chat_id, e.msg_seq, e.payload, ${M_COLUMNS}, ${reactionsOf('m')} AS reactions
             FROM user_events e
             LEFT JOIN messages m ON e.msg_seq IS NOT NULL AND m.chat_id = e.chat_id AND m.seq = e.msg_seq
             WHERE e.user_id = $1 AND e.event_seq > $2
             ORDER BY e.event_seq LIMIT $3`,
      values: [userId, since, limit],
    });
    return rows.map((r) => {
      const type = TYPE_OF_KIND.get(Number(r.kind)) ?? 'receipt';
      const payload = r.msg_seq !== null && r.id !== null ? toMessage(r as MessageRow, this.cipher) : r.payload;
      return { eventSeq: Number(r.event_seq), type, payload };
    });
  }

  /**
   * Retention: per user, drops the oldest events beyond `maxEvents` and those older than
   * `maxAgeMs`, always a prefix of the stream (so what is kept is gapless). Walks users in
   * id order, `users` a call; answers the last user id seen (null: the walk is done) and
   * how many events went.
   */
  async prune(
    opts: { maxEvents: number; maxAgeMs: number; users: number },
    afterUserId: string | null,
  ): Promise<{ lastUserId: string | null; deleted: number }> {
    const rows = await this.db.query<{ user_id: string | null; deleted: string }>(
      `WITH users AS (
         SELECT h.user_id, h.last_event_seq FROM user_event_heads h
         WHERE $1::uuid IS NULL OR h.user_id > $1::uuid
         ORDER BY h.user_id LIMIT $2
       ),
       bounds AS (
         SELECT u.user_id,
                GREATEST(u.last_event_seq - $3::bigint,
                         COALESCE((SELECT max(e.event_seq) FROM user_events e
                                   WHERE e.user_id = u.user_id AND e.created_at < now() - make_interval(secs => $4::double precision / 1000)), 0)) AS upto
         FROM users u
       ),
       deleted AS (
         DELETE FROM user_events e USING bounds b
         WHERE e.user_id = b.user_id AND e.event_seq <= b.upto
         RETURNING 1
       )
       SELECT (SELECT max(user_id::text) FROM users)::uuid AS user_id, (SELECT count(*) FROM deleted) AS deleted`,
      [afterUserId, opts.users, opts.maxEvents, opts.maxAgeMs],
    );
    return { lastUserId: rows[0]?.user_id ?? null, deleted: Number(rows[0]?.deleted ?? 0) };
  }
}
