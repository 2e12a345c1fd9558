import type { DevicePlatform } from '@parley/contracts';
import type { PgDatabase } from '@parley/shared/data-access-postgres';

/** A push token of one user's device. A token belongs to at most one user: the latest to register it. */
export interface DeviceRow {
  token: string;
  userId: string;
  platform: DevicePlatform;
  /** The latest registration of the token (docs/protocol.md: `createdAt` of POST /v1/devices). */
  createdAt: Date;
}

const DEVICE_COLUMNS = `token, user_id AS "userId", platform, created_at AS "createdAt"`;

/** All I/O on the devices table (upserts and conditional deletes). */
export class DevicesRepository {
  constructor(private readonly db: PgDatabase) {}

  /**
   * Upsert: a token registered again (by anyone) moves to that user, and its
   * createdAt becomes this registration's time.
   */
  async register(input: { userId: string; token: string; platform: DevicePlatform }): Promise<DeviceRow> {
    const rows = await this.db.query<DeviceRow>(
      `INSERT INTO devices (token, user_id, platform, created_at, updated_at)
       VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp())
       ON CONFLICT (token) DO UPDATE
         SET user_id = EXCLUDED.user_id, platform = EXCLUDED.platform,
             created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
       RETURNING ${DEVICE_COLUMNS}`,
      [input.token, input.userId, input.platform],
    );
    return rows[0];
  }

  /** Removes the token only if it belongs to userId; true when a row went away. */
  async remove(userId: string, token: string): Promise<boolean> {
    return (await this.db.execute(`DELETE FROM devices WHERE token = $1 AND user_id = $2`, [token, userId])) > 0;
  }

  findByUser(userId: string): Promise<DeviceRow[]> {
    return this.db.query<DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 ORDER BY created_at, token`,
      [userId],
    );
  }

  /**
   * Deletes tokens FCM called dead, if they still belong to userId (a token
   * registered by someone else since then is theirs to keep). Returns how many went.
   */
  async removeDead(userId: string, tokens: string[]): Promise<number> {
    if (tokens.length === 0) return 0;
    return this.db.execute(`DELETE FROM devices WHERE user_id = $1 AND token = ANY($2::text[])`, [userId, tokens]);
  }
}
