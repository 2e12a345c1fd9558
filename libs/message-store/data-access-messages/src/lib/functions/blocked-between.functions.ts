import type { QueryRunner } from 'typeorm';

/**
 * blocked_between(chat, user): true when `chat` is a direct chat and either of its two members
 * blocks the other. The one definition of the blocking rule for writes in a direct chat:
 * append_messages() checks it per item (under the chat lock), and so can edit / react (not
 * delete: deleting one's own message stays allowed). Groups are never blocked.
 */
const BLOCKED_BETWEEN = `
      CREATE OR REPLACE FUNCTION blocked_between(p_chat_id uuid, p_user_id uuid) RETURNS boolean
      LANGUAGE sql STABLE AS $fn$
        SELECT EXISTS (
          SELECT 1
          FROM chats c JOIN chat_members o ON o.chat_id = c.id AND o.user_id <> p_user_id
          WHERE c.id = p_chat_id AND c.type = 'direct'
            AND (EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = p_user_id AND b.blocked_id = o.user_id)
              OR EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = o.user_id AND b.blocked_id = p_user_id))
        )
      $fn$`;

export async function applyBlockedBetweenFunction(q: QueryRunner): Promise<void> {
  await q.query(BLOCKED_BETWEEN);
}
