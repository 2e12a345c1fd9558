import type { MessageReceipt, Receipt, ReceiptType } from '@parley/contracts';
import type { PgDatabase, Queryable } from '@parley/shared/data-access-postgres';

/** Delivered/read watermarks of chat_members and the log of their moves. */
export class ReceiptsRepository {
  constructor(private readonly db: PgDatabase) {}

  /** Runs `work` in one transaction (a move and its events). */
  transaction<T>(work: (q: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /**
   * Moves the member's watermark(s) to min(upToSeq, chat.last_seq), never backwards;
   * `read` moves `delivered` too. The member row update and the move log are ONE
   * statement. The subquery locks the row and exposes its values from before the
   * update (the latest committed ones, even under concurrent moves), which tells
   * which watermarks really moved. Returns those moves (0-2), none for a non-member.
   */
  async move(
    chatId: string,
    userId: string,
    type: ReceiptType,
    upToSeq: number,
    q: Queryable = this.db,
  ): Promise<Receipt[]> {
    const rows = await q.query<{ type: ReceiptType; up_to_seq: string; at: Date }>({
      name: 'ms_receipt_move',
      text: `WITH target AS (
               SELECT LEAST($4::bigint, last_seq) AS seq FROM chats WHERE id = $1
             ),
             moved AS (
               UPDATE chat_members cm
               SET delivered_seq = GREATEST(cm.delivered_seq, t.seq),
                   read_seq = CASE WHEN $3::text = 'read' THEN GREATEST(cm.read_seq, t.seq) ELSE cm.read_seq END
               FROM (SELECT chat_id, user_id, delivered_seq, read_seq
                     FROM chat_members WHERE chat_id = $1 AND user_id = $2 FOR UPDATE) old,
                    target t
               WHERE cm.chat_id = old.chat_id AND cm.user_id = old.user_id
                 AND (old.delivered_seq < t.seq OR ($3::text = 'read' AND old.read_seq < t.seq))
               RETURNING cm.chat_id, cm.user_id, old.delivered_seq AS old_delivered, old.read_seq AS old_read,
                         cm.delivered_seq, cm.read_seq, clock_timestamp() AS at
             )
             INSERT INTO watermark_moves (chat_id, user_id, type, up_to_seq, at)
             SELECT chat_id, user_id, 'delivered', delivered_seq, at FROM moved WHERE delivered_seq > old_delivered
             UNION ALL
             SELECT chat_id, user_id, 'read', read_seq, at FROM moved WHERE read_seq > old_read
             ON CONFLICT DO NOTHING
             RETURNING type, up_to_seq, at`,
      values: [chatId, userId, type, upToSeq],
    });
    return rows
      .map((r) => ({ chatId, userId, type: r.type, upToSeq: Number(r.up_to_seq), at: r.at.toISOString() }))
      .sort((a, b) => (a.type === b.type ? 0 : a.type === 'delivered' ? -1 : 1));
  }

  /**
   * For every current member except `senderId`: when their watermarks first reached
   * `seq` (the earliest move at or above it), or null.
   */
  async forMessage(chatId: string, seq: number, senderId: string): Promise<MessageReceipt[]> {
    const rows = await this.db.query<{ user_id: string; delivered_at: Date | null; read_at: Date | null }>(
      `SELECT cm.user_id,
              (SELECT min(w.at) FROM watermark_moves w
                WHERE w.chat_id = cm.chat_id AND w.user_id = cm.user_id AND w.type = 'delivered' AND w.up_to_seq >= $2) AS delivered_at,
              (SELECT min(w.at) FROM watermark_moves w
                WHERE w.chat_id = cm.chat_id AND w.user_id = cm.user_id AND w.type = 'read' AND w.up_to_seq >= $2) AS read_at
       FROM chat_members cm
       WHERE cm.chat_id = $1 AND cm.user_id <> $3
       ORDER BY cm.joined_at, cm.user_id`,
      [chatId, seq, senderId],
    );
    return rows.map((r) => ({
      userId: r.user_id,
      deliveredAt: r.delivered_at ? r.delivered_at.toISOString() : null,
      readAt: r.read_at ? r.read_at.toISOString() : null,
    }));
  }
}
