import type { DataSource } from 'typeorm';
import { CreateSessions1764500000000 } from './migrations/1764500000000-CreateSessions';

/**
 * Migrations of the sessions table. They belong in libs/auth/data-access-users with the users
 * table (docs/architecture.md); they sit here until that lib exports them.
 */
export const sessionMigrations = [CreateSessions1764500000000];

export interface RevokedSessionRow {
  id: string;
  userId: string;
}

/** All I/O on the sessions table (raw SQL in auth's schema, like UsersRepository). */
export class SessionsRepository {
  constructor(private readonly ds: DataSource) {}

  async open(id: string, userId: string, expiresAt: Date): Promise<void> {
    await this.ds.query(`INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, $3)`, [id, userId, expiresAt]);
  }

  /** Revokes one session of the user; answers whether it was active. */
  async revoke(id: string, userId: string): Promise<boolean> {
    const rows = (await this.ds.query(
      `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
      [id, userId],
    )) as [{ id: string }[], number];
    return rows[1] > 0;
  }

  /** Revokes every session of the user that may still have a valid token; answers their ids. */
  async revokeAll(userId: string): Promise<string[]> {
    const [rows] = (await this.ds.query(
      `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
      [userId],
    )) as [{ id: string }[], number];
    return rows.map((r) => r.id);
  }

  /** Revoked sessions whose tokens have not all expired yet (what the deny-list must hold). */
  async revokedAndUnexpired(): Promise<RevokedSessionRow[]> {
    const rows = (await this.ds.query(
      `SELECT id, user_id FROM sessions WHERE revoked_at IS NOT NULL AND expires_at > now() ORDER BY revoked_at`,
    )) as { id: string; user_id: string }[];
    return rows.map((r) => ({ id: r.id, userId: r.user_id }));
  }

  /** Housekeeping: rows whose tokens expired long ago carry nothing any more. */
  async deleteExpiredBefore(cutoff: Date): Promise<number> {
    const [, count] = (await this.ds.query(`DELETE FROM sessions WHERE expires_at < $1`, [cutoff])) as [unknown, number];
    return count;
  }
}
