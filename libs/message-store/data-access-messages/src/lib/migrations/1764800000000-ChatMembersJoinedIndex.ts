import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A chat's members in joinedAt order without sorting them all: the chat list shows the first 32
 * members of each of up to 200 chats (groups of up to 1,024), and every chat load reads them in
 * this order (the order of admin succession).
 */
export class ChatMembersJoinedIndex1764800000000 implements MigrationInterface {
  name = 'ChatMembersJoinedIndex1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS chat_members_chat_joined_idx ON chat_members (chat_id, joined_at, user_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS chat_members_chat_joined_idx`);
  }
}
