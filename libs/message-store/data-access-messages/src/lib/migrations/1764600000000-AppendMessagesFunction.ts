import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * append_messages(): a whole group-commit batch in ONE round trip (it was five: BEGIN, lock
 * the chats, read members, insert, COMMIT). Called as a single autocommit statement, so it is
 * one transaction. It locks the batch's chats in id order first; the statement after the lock
 * then sees every change committed before the lock was granted (a member removed meanwhile
 * cannot send, and gets nothing).
 *
 * Per item (in input order): status ok | not_found | forbidden; for ok, the stored message:
 * the one inserted now (created) or, for a key stored before (p_lookup) or repeated in the
 * batch, the original. Then one 'members' row per chat. p_lookup=false skips the lookup of
 * stored keys (it costs as much as the insert on a partitioned table); if a key turns out to
 * be stored, the statement raises PX409 and changes nothing: call again with p_lookup=true.
 */
export class AppendMessagesFunction1764600000000 implements MigrationInterface {
  name = 'AppendMessagesFunction1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION append_messages_check(inserted bigint, expected bigint) RETURNS boolean
      LANGUAGE plpgsql VOLATILE AS $fn$
      BEGIN
        IF inserted <> expected THEN
          RAISE EXCEPTION 'an idempotency key of the batch is already stored' USING ERRCODE = 'PX409';
        END IF;
        RETURN true;
      END
      $fn$`);

    await q.query(`
      CREATE FUNCTION append_messages(
        p_chat_ids uuid[], p_item_chat_ids uuid[], p_sender_ids uuid[], p_client_msg_ids text[], p_ids uuid[],
        p_ct bytea[], p_iv bytea[], p_tag bytea[], p_key_ids text[], p_lookup boolean)
      RETURNS TABLE (r_ord bigint, r_status text, r_chat_id uuid, r_id uuid, r_seq bigint, r_created_at timestamptz,
                     r_created boolean, r_ct bytea, r_iv bytea, r_tag bytea, r_key_id text,
                     r_member_ids uuid[], r_muted_ids uuid[])
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        locked bigint;
      BEGIN
        -- Row locks in id order, so batches sharing chats never deadlock.
        SELECT count(*) INTO locked FROM (SELECT 1 FROM chats WHERE id = ANY (p_chat_ids) ORDER BY id FOR NO KEY UPDATE) l;

        RETURN QUERY
        WITH items AS (
          SELECT * FROM unnest(p_item_chat_ids, p_sender_ids, p_client_msg_ids, p_ids, p_ct, p_iv, p_tag, p_key_ids)
            WITH ORDINALITY AS t(chat_id, sender_id, client_msg_id, id, ct, iv, tag, key_id, ord)
        ),
        chat AS MATERIALIZED (
          SELECT c.id, c.last_seq FROM chats c WHERE c.id = ANY (p_chat_ids)
        ),
        members AS MATERIALIZED (
          SELECT m.chat_id,
                 array_agg(m.user_id ORDER BY m.joined_at, m.user_id) AS member_ids,
                 coalesce(array_agg(m.user_id ORDER BY m.joined_at, m.user_id) FILTER (WHERE m.muted), '{}'::uuid[]) AS muted_ids
          FROM chat_members m WHERE m.chat_id = ANY (p_chat_ids)
          GROUP BY m.chat_id
        ),
        classified AS MATERIALIZED (
          SELECT i.*,
                 CASE WHEN ch.id IS NULL THEN 'not_found'
                      WHEN mb.member_ids IS NULL OR NOT (i.sender_id = ANY (mb.member_ids)) THEN 'forbidden'
                      ELSE 'ok' END AS status,
                 -- Items repeating a key follow the first one with it.
                 min(i.ord) OVER (PARTITION BY i.chat_id, i.sender_id, i.client_msg_id) AS leader
          FROM items i
          LEFT JOIN chat ch ON ch.id = i.chat_id
          LEFT JOIN members mb ON mb.chat_id = i.chat_id
        ),
        existing AS MATERIALIZED (
          SELECT cl.ord, m.id, m.seq, m.created_at, m.body_ciphertext, m.body_iv, m.body_auth_tag, m.key_id
          FROM classified cl
          JOIN messages m ON m.chat_id = cl.chat_id AND m.sender_id = cl.sender_id AND m.client_msg_id = cl.client_msg_id
          WHERE p_lookup AND cl.status = 'ok' AND cl.ord = cl.leader
        ),
        fresh AS MATERIALIZED (
          SELECT cl.ord, cl.id, cl.chat_id, cl.sender_id, cl.client_msg_id, cl.ct, cl.iv, cl.tag, cl.key_id,
                 ch.last_seq + row_number() OVER (PARTITION BY cl.chat_id ORDER BY cl.ord) AS seq
          FROM classified cl
          JOIN chat ch ON ch.id = cl.chat_id
          WHERE cl.status = 'ok' AND cl.ord = cl.leader AND NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = cl.ord)
        ),
        bumped AS (
          UPDATE chats c
          SET last_seq = f.last_seq,
              last_message_at = GREATEST(clock_timestamp(), c.last_message_at)
          FROM (SELECT fr.chat_id, max(fr.seq) AS last_seq FROM fresh fr GROUP BY fr.chat_id) f
          WHERE c.id = f.chat_id
          RETURNING c.id, c.last_message_at
        ),
        inserted AS (
          INSERT INTO messages (id, chat_id, seq, sender_id, client_msg_id, body_ciphertext, body_iv, body_auth_tag, key_id, created_at)
          SELECT f.id, f.chat_id, f.seq, f.sender_id, f.client_msg_id, f.ct, f.iv, f.tag, f.key_id, b.last_message_at
          FROM fresh f JOIN bumped b ON b.id = f.chat_id
          ON CONFLICT (chat_id, sender_id, client_msg_id) DO NOTHING
          RETURNING messages.id, messages.created_at
        ),
        checked AS (
          SELECT append_messages_check((SELECT count(*) FROM inserted), (SELECT count(*) FROM fresh)) AS ok
        )
        SELECT cl.ord, cl.status, cl.chat_id, coalesce(f.id, e.id), coalesce(f.seq, e.seq),
               coalesce(ins.created_at, e.created_at), (cl.ord = cl.leader AND ins.id IS NOT NULL),
               e.body_ciphertext, e.body_iv, e.body_auth_tag, e.key_id, NULL::uuid[], NULL::uuid[]
        FROM classified cl
        CROSS JOIN checked
        LEFT JOIN fresh f ON f.ord = cl.leader
        LEFT JOIN inserted ins ON ins.id = f.id
        LEFT JOIN existing e ON e.ord = cl.leader
        WHERE checked.ok
        UNION ALL
        SELECT NULL, 'members', mb.chat_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, mb.member_ids, mb.muted_ids
        FROM members mb;
      END
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION append_messages(uuid[], uuid[], uuid[], text[], uuid[], bytea[], bytea[], bytea[], text[], boolean)`);
    await q.query(`DROP FUNCTION append_messages_check(bigint, bigint)`);
  }
}
