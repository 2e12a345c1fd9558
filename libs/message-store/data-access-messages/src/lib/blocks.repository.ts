import type { PgDatabase, Queryable } from '@parley/shared/data-access-postgres';

export interface BlockRecord {
  /** The blocked user. */
  userId: string;
  createdAt: Date;
}

/** message_store.blocks: who blocks whom. */
export class BlocksRepository {
  constructor(private readonly db: PgDatabase) {}

  /** Blocks `blockedId`; an existing block is kept as it was (created=false). */
  async block(blockerId: string, blockedId: string): Promise<{ block: BlockRecord; created: boolean }> {
    const rows = await this.db.query<{ created_at: Date; created: boolean }>(
      `WITH ins AS (
         INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)
         ON CONFLICT (blocker_id, blocked_id) DO NOTHING RETURNING created_at
       )
       SELECT created_at, true AS created FROM ins
       UNION ALL
       SELECT created_at, false FROM blocks WHERE blocker_id = $1 AND blocked_id = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [blockerId, blockedId],
    );
    if (rows.length === 0) {
      // Inserted and removed by a concurrent unblock between the two reads: block again.
      return this.block(blockerId, blockedId);
    }
    return { block: { userId: blockedId, createdAt: rows[0].created_at }, created: rows[0].created };
  }

  /** true when there was a block to remove. */
  async unblock(blockerId: string, blockedId: string): Promise<boolean> {
    return (
      (await this.db.execute(`DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2`, [blockerId, blockedId])) >
      0
    );
  }

  /** A page of the users `blockerId` blocks, by user id (the primary key's order), after `afterUserId`. */
  async list(blockerId: string, page: { limit: number; afterUserId?: string }): Promise<BlockRecord[]> {
    const rows = await this.db.query<{ blocked_id: string; created_at: Date }>(
      `SELECT blocked_id, created_at FROM blocks
       WHERE blocker_id = $1 AND ($3::uuid IS NULL OR blocked_id > $3::uuid)
       ORDER BY blocked_id LIMIT $2`,
      [blockerId, page.limit, page.afterUserId ?? null],
    );
    return rows.map((r) => ({ userId: r.blocked_id, createdAt: r.created_at }));
  }

  /** Of `otherUserIds`: those who block `userId` (blockedBy) and those `userId` blocks (blocking). */
  async relations(userId: string, otherUserIds: string[]): Promise<{ blockedBy: string[]; blocking: string[] }> {
    if (otherUserIds.length === 0) return { blockedBy: [], blocking: [] };
    const rows = await this.db.query<{ blocker_id: string; blocked_id: string }>(
      `SELECT blocker_id, blocked_id FROM blocks WHERE blocked_id = $1 AND blocker_id = ANY ($2::uuid[])
       UNION ALL
       SELECT blocker_id, blocked_id FROM blocks WHERE blocker_id = $1 AND blocked_id = ANY ($2::uuid[])`,
      [userId, otherUserIds],
    );
    return {
      blockedBy: rows.filter((r) => r.blocked_id === userId).map((r) => r.blocker_id),
      blocking: rows.filter((r) => r.blocker_id === userId).map((r) => r.blocked_id),
    };
  }

  /** Does `blockerId` block `blockedId`? (One direction.) */
  async blocks(blockerId: string, blockedId: string, q: Queryable = this.db): Promise<boolean> {
    const rows = await q.query<{ one: number }>(
      `SELECT 1 AS one FROM blocks WHERE blocker_id = $1 AND blocked_id = $2`,
      [blockerId, blockedId],
    );
    return rows.length > 0;
  }

  /**
   * The blocking rule for writes in a chat (send, edit, react; not delete): true when `chatId` is
   * a direct chat and either member blocks the other. The same SQL predicate append_messages()
   * uses, so one rule answers everywhere; pass a transaction's Queryable to check under its lock.
   */
  async isBlockedBetween(chatId: string, userId: string, q: Queryable = this.db): Promise<boolean> {
    const rows = await q.query<{ blocked: boolean }>(`SELECT blocked_between($1, $2) AS blocked`, [chatId, userId]);
    return rows[0]?.blocked === true;
  }
}
