import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateDevices1764600000000 implements MigrationInterface {
  name = 'CreateDevices1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE devices (
        token text PRIMARY KEY,
        user_id uuid NOT NULL,
        platform text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT devices_platform_check CHECK (platform IN ('android', 'ios', 'web')),
        CONSTRAINT devices_token_length_check CHECK (char_length(token) BETWEEN 1 AND 4096)
      )`);
    // Every push looks up the tokens of one user.
    await q.query(`CREATE INDEX devices_user_id_idx ON devices (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE devices`);
  }
}
