import type { DevicePlatform } from '@parley/contracts';
import type { DataSource } from 'typeorm';

export interface DeviceRow {
  token: string;
  userId: string;
  platform: DevicePlatform;
  createdAt: Date;
}

/** All I/O on the devices table (raw SQL: upserts and conditional deletes). */
export class DevicesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Upsert: a token registered again (by anyone) moves to that user, and its
   * createdAt becomes this registration's time.
   */
  async register(input: { userId: string; token: string; platform: DevicePlatform }): Promise<DeviceRow> {
    const rows = (await this.dataSource.query(
      `INSERT INTO devices (token, user_id, platform, created_at, updated_at)
       VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp())
       ON CONFLICT (token) DO UPDATE
         SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform,
             created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
       RETURNING token, user_id AS "userId", platform, created_at AS "createdAt"`,
      [input.token, input.userId, input.platform],
    )) as DeviceRow[];
    return rows[0];
  }

  /** Removes the token only if it belongs to userId; true when a row went away. */
  async remove(userId: string, token: string): Promise<boolean> {
    const [, count] = (await this.dataSource.query(`DELETE FROM devices WHERE token = $1 AND user_id = $2`, [
      token,
      userId,
    ])) as [unknown, number];
    return count > 0;
  }

  async findByUser(userId: string): Promise<DeviceRow[]> {
    return (await this.dataSource.query(
      `SELECT token, user_id AS "userId", platform, created_at AS "createdAt"
         FROM devices WHERE user_id = $1 ORDER BY created_at, token`,
      [userId],
    )) as DeviceRow[];
  }

  /**
   * Deletes tokens FCM called dead, if they still belong to userId (a token
   * registered by someone else since then is theirs to keep). Returns how many went.
   */
  async removeDead(userId: string, tokens: string[]): Promise<number> {
    if (tokens.length === 0) return 0;
    const [, count] = (await this.dataSource.query(`DELETE FROM devices WHERE user_id = $1 AND token = ANY($2::text[])`, [
      userId,
      tokens,
    ])) as [unknown, number];
    return count;
  }
}
