import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyAppendMessagesFunctions } from '../functions/append-messages.functions';
import type { MessageStoreMigrationOptions } from './1764500000000-CreateMessageStore';

/**
 * The per-user event stream: user_event_heads (each user's last eventSeq, the row every
 * event writer locks) and user_events, hash-partitioned by user like messages by chat.
 * Message events hold a reference (chat_id, msg_seq), never the body; receipt and chat
 * events hold their small payload. append_messages() now writes message:new events.
 */
export function createUserEventsMigration(options: MessageStoreMigrationOptions) {
  const partitions = options.partitions;
  return class UserEvents1765100000000 implements MigrationInterface {
    name = 'UserEvents1765100000000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`
        CREATE TABLE user_event_heads (
          user_id uuid PRIMARY KEY,
          last_event_seq bigint NOT NULL
        )`);
      await q.query(`
        CREATE TABLE user_events (
          user_id uuid NOT NULL,
          event_seq bigint NOT NULL,
          kind smallint NOT NULL,
          chat_id uuid NOT NULL,
          msg_seq bigint,
          payload jsonb,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (user_id, event_seq)
        ) PARTITION BY HASH (user_id)`);
      for (let i = 0; i < partitions; i++) {
        await q.query(
          `CREATE TABLE user_events_p${i} PARTITION OF user_events FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${i})`,
        );
      }
      await applyAppendMessagesFunctions(q);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE user_events`);
      await q.query(`DROP TABLE user_event_heads`);
    }
  };
}
