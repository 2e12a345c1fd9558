import type { DataSource, Repository } from 'typeorm';
import { UserEntity } from './user.entity';

export class UsernameTakenError extends Error {
  constructor() {
    super('username taken');
  }
}

/** All I/O on the users table. */
export class UsersRepository {
  private readonly repo: Repository<UserEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(UserEntity);
  }

  async create(input: { username: string; displayName: string; passwordHash: string }): Promise<UserEntity> {
    try {
      const rows = (await this.repo.query(
        `INSERT INTO users (username, display_name, password_hash) VALUES ($1, $2, $3)
         RETURNING id, username, display_name AS "displayName", password_hash AS "passwordHash", created_at AS "createdAt"`,
        [input.username, input.displayName, input.passwordHash],
      )) as UserEntity[];
      return rows[0];
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new UsernameTakenError();
      throw err;
    }
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ username });
  }

  async existingIds(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = (await this.repo.query(`SELECT id FROM users WHERE id = ANY($1::uuid[])`, [ids])) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Only if the stored hash is still `current`: a rehash never undoes a concurrent change. */
  async replacePasswordHash(id: string, current: string, next: string): Promise<void> {
    await this.repo.query(`UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, [id, current, next]);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }
}
