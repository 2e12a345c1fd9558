import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyAppendMessagesFunctions } from '../functions/append-messages.functions';

/**
 * Replies, edits, deletes and reactions. The columns go on the partitioned parent (every
 * partition gets them; a constant default adds no rewrite). A deleted message keeps its row
 * (seqs stay gapless) with an empty ciphertext: its body is gone from the table, not hidden.
 * Reactions: one per (message, user); created_at orders them, a replaced one moves to the end.
 */
export class MessageLifecycle1764900000000 implements MigrationInterface {
  name = 'MessageLifecycle1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE messages
        ADD COLUMN reply_to_seq bigint,
        ADD COLUMN edited_at timestamptz,
        ADD COLUMN deleted boolean NOT NULL DEFAULT false`);
    await q.query(`
      CREATE TABLE reactions (
        chat_id uuid NOT NULL,
        seq bigint NOT NULL,
        user_id uuid NOT NULL,
        emoji text NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (chat_id, seq, user_id)
      )`);
    // append_messages() gains p_reply_to_seqs.
    await applyAppendMessagesFunctions(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reactions`);
    await q.query(`ALTER TABLE messages DROP COLUMN reply_to_seq, DROP COLUMN edited_at, DROP COLUMN deleted`);
  }
}
