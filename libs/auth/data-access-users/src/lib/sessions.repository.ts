import type { PgDatabase } from '@parley/shared/data-access-postgres';

export interface RevokedSessionRow {
  id: string;
  userId: string;
}

/** All I/O on the sessions table. */
export class SessionsRepository {
  constructor(private readonly db: PgDatabase) {}

  async open(id: string, userId: string, expiresAt: Date): Promise<void> {
    await this.db.execute(`INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, $3)`, [
      id,
      userId,
      expiresAt,
    ]);
  }

  /** Revokes one session of the user; answers whether it was active. */
  async revoke(id: string, userId: string): Promise<boolean> {
    const count = await this.db.execute(
      `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [id, userId],
    );
    return count > 0;
  }

  /** Revokes every session of the user that may still have a valid token; answers their ids. */
  async revokeAll(userId: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
      [userId],
    );
    return rows.map((r) => r.id);
  }

  /** Revoked sessions whose tokens have not all expired yet (what the deny-list must hold). */
  revokedAndUnexpired(): Promise<RevokedSessionRow[]> {
    return this.db.query<RevokedSessionRow>(
      `SELECT id, user_id AS "userId" FROM sessions WHERE revoked_at IS NOT NULL AND expires_at > now() ORDER BY revoked_at`,
    );
  }

  /** Housekeeping: rows whose tokens expired long ago carry nothing any more. */
  deleteExpiredBefore(cutoff: Date): Promise<number> {
    return this.db.execute(`DELETE FROM sessions WHERE expires_at < $1`, [cutoff]);
  }
}
