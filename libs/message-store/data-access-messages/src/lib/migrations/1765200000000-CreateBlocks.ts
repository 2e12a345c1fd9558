import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyAppendMessagesFunctions } from '../functions/append-messages.functions';
import { applyBlockedBetweenFunction } from '../functions/blocked-between.functions';

/**
 * Who blocks whom (docs/protocol.md, "Blocking"). message-store keeps it beside the chats it
 * guards: sends in a direct chat check it inside append_messages(), under the chat lock.
 * The index on blocked_id answers "who blocks me" (the reverse direction of the PK).
 */
export class CreateBlocks1765200000000 implements MigrationInterface {
  name = 'CreateBlocks1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS blocks (
        blocker_id uuid NOT NULL,
        blocked_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (blocker_id, blocked_id)
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS blocks_blocked_idx ON blocks (blocked_id)`);
    await applyBlockedBetweenFunction(q);
    await applyAppendMessagesFunctions(q);
  }

  async down(q: QueryRunner): Promise<void> {
    // append_messages() keeps calling blocked_between(): it stays, answering "never blocked".
    await q.query(
      `CREATE OR REPLACE FUNCTION blocked_between(p_chat_id uuid, p_user_id uuid) RETURNS boolean
       LANGUAGE sql STABLE AS $fn$ SELECT false $fn$`,
    );
    await q.query(`DROP TABLE IF EXISTS blocks`);
  }
}
