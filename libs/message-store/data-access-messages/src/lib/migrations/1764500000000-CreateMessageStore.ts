import type { MigrationInterface, QueryRunner } from 'typeorm';

export interface MessageStoreMigrationOptions {
  /** Hash partitions of `messages`; fixed once the table exists (MESSAGE_PARTITIONS). */
  partitions: number;
}

/**
 * chats, chat_members, messages (hash-partitioned by chat_id) and watermark_moves.
 * Built by a factory because the partition count is configuration read at migration
 * time, and TypeORM instantiates migration classes itself.
 */
export function createMessageStoreMigration(options: MessageStoreMigrationOptions) {
  const partitions = options.partitions;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw new Error(`MESSAGE_PARTITIONS must be an integer 1-1024, got ${partitions}`);
  }

  return class CreateMessageStore1764500000000 implements MigrationInterface {
    name = 'CreateMessageStore1764500000000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`
        CREATE TABLE chats (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          type text NOT NULL CHECK (type IN ('direct', 'group')),
          title text,
          last_seq bigint NOT NULL DEFAULT 0,
          created_at timestamptz NOT NULL DEFAULT now(),
          last_message_at timestamptz,
          -- "<lower user id>:<higher user id>" for direct chats: one chat per unordered pair.
          direct_key text,
          CONSTRAINT chats_direct_key_key UNIQUE (direct_key),
          CONSTRAINT chats_direct_key_check CHECK ((type = 'direct') = (direct_key IS NOT NULL))
        )`);

      await q.query(`
        CREATE TABLE chat_members (
          chat_id uuid NOT NULL REFERENCES chats (id),
          user_id uuid NOT NULL,
          role text NOT NULL CHECK (role IN ('admin', 'member')),
          joined_at timestamptz NOT NULL DEFAULT now(),
          delivered_seq bigint NOT NULL DEFAULT 0,
          read_seq bigint NOT NULL DEFAULT 0,
          muted boolean NOT NULL DEFAULT false,
          PRIMARY KEY (chat_id, user_id)
        )`);
      await q.query(`CREATE INDEX chat_members_user_id_idx ON chat_members (user_id)`);

      // No foreign key to chats: appends already hold the chat row lock, and chats are
      // never deleted; the check would cost a lookup per inserted row on the hot path.
      await q.query(`
        CREATE TABLE messages (
          id uuid NOT NULL,
          chat_id uuid NOT NULL,
          seq bigint NOT NULL,
          sender_id uuid NOT NULL,
          client_msg_id text NOT NULL,
          body_ciphertext bytea NOT NULL,
          body_iv bytea NOT NULL,
          body_auth_tag bytea NOT NULL,
          key_id text NOT NULL,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (chat_id, seq),
          CONSTRAINT messages_idempotency_key UNIQUE (chat_id, sender_id, client_msg_id)
        ) PARTITION BY HASH (chat_id)`);
      for (let i = 0; i < partitions; i++) {
        await q.query(
          `CREATE TABLE messages_p${i} PARTITION OF messages FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${i})`,
        );
      }

      // One row per watermark move: when a member's delivered/read watermark first
      // reached a seq is min(at) over the moves with up_to_seq >= seq.
      await q.query(`
        CREATE TABLE watermark_moves (
          chat_id uuid NOT NULL,
          user_id uuid NOT NULL,
          type text NOT NULL CHECK (type IN ('delivered', 'read')),
          up_to_seq bigint NOT NULL,
          at timestamptz NOT NULL,
          PRIMARY KEY (chat_id, user_id, type, up_to_seq) INCLUDE (at)
        )`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE watermark_moves`);
      await q.query(`DROP TABLE messages`);
      await q.query(`DROP TABLE chat_members`);
      await q.query(`DROP TABLE chats`);
    }
  };
}
