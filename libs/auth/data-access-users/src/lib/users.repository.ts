import type { PgDatabase } from '@parley/shared/data-access-postgres';
import type { UserRecord } from './user.record';

export class UsernameTakenError extends Error {
  constructor() {
    super('username taken');
  }
}

const USER_COLUMNS = `id, username, display_name AS "displayName", password_hash AS "passwordHash", created_at AS "createdAt"`;

/** All I/O on the users table. */
export class UsersRepository {
  constructor(private readonly db: PgDatabase) {}

  async create(input: { username: string; displayName: string; passwordHash: string }): Promise<UserRecord> {
    try {
      const rows = await this.db.query<UserRecord>(
        `INSERT INTO users (username, display_name, password_hash) VALUES ($1, $2, $3) RETURNING ${USER_COLUMNS}`,
        [input.username, input.displayName, input.passwordHash],
      );
      return rows[0];
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new UsernameTakenError();
      throw err;
    }
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    const rows = await this.db.query<UserRecord>(`SELECT ${USER_COLUMNS} FROM users WHERE username = $1`, [username]);
    return rows[0] ?? null;
  }

  async existingIds(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: string }>(`SELECT id FROM users WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map((r) => r.id);
  }

  /** Only if the stored hash is still `current`: a rehash never undoes a concurrent change. */
  async replacePasswordHash(id: string, current: string, next: string): Promise<void> {
    await this.db.execute(`UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, [
      id,
      current,
      next,
    ]);
  }

  async findById(id: string): Promise<UserRecord | null> {
    const rows = await this.db.query<UserRecord>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }
}
