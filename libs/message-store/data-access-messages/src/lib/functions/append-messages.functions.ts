import type { QueryRunner } from 'typeorm';

/** Raises PX409 when the batch met an idempotency key stored before (see below). */
const APPEND_MESSAGES_CHECK = `
      CREATE OR REPLACE FUNCTION append_messages_check(inserted bigint, expected bigint) RETURNS boolean
      LANGUAGE plpgsql VOLATILE AS $fn$
      BEGIN
        IF inserted <> expected THEN
          RAISE EXCEPTION 'an idempotency key of the batch is already stored' USING ERRCODE = 'PX409';
        END IF;
        RETURN true;
      END
      $fn$`;

/**
 * append_messages(): a whole group-commit batch in ONE round trip (it was five: BEGIN, lock
 * the chats, read members, insert, COMMIT). Called as a single autocommit statement, so it is
 * one transaction. It locks the batch's chats in id order first; the statement after the lock
 * then sees every change committed before the lock was granted (a member removed meanwhile
 * cannot send, and gets nothing).
 *
 * Per item (in input order): status ok | not_found | forbidden | blocked | invalid (p_reply_to_seqs, one per
 * item, NULL for none: a reply to a seq above the chat's lastSeq); for ok, the stored message:
 * the one inserted now (created) or, for a key stored before (p_lookup) or repeated in the
 * batch, the original. Then one 'members' row per chat (with r_event_base: see the event-stream CTEs). p_lookup=false skips the lookup of
 * stored keys (it costs as much as the insert on a partitioned table); if a key turns out to
 * be stored, the statement raises PX409 and changes nothing: call again with p_lookup=true.
 *
 * Why it is written this way, two costs found by EXPLAIN ANALYZE (docs/benchmarks.md):
 * - The planner sees unnest() of a parameter as 10 rows and the CTE scans as 1, so it joined
 *   the inserted rows back to the fresh ones (and fresh to the bumped chats) with nested loops:
 *   a 500-item batch spent 50 of its 70 ms comparing 250,000 pairs. Now no join runs over
 *   two batch-sized inputs: the chat's timestamp is taken with its row (locked, so it is the
 *   one the update writes), the stored-key lookup is a LATERAL index probe per item, seqs and
 *   the leader's values come from window functions, and INSERT ... RETURNING is only counted.
 * - plpgsql re-planned the statement on every call (custom plans looked cheaper for one item):
 *   ~2 ms of planning per call. force_generic_plan plans it once per connection.
 */
const APPEND_MESSAGES = `
      CREATE OR REPLACE FUNCTION append_messages(
        p_chat_ids uuid[], p_item_chat_ids uuid[], p_sender_ids uuid[], p_client_msg_ids text[], p_ids uuid[],
        p_ct bytea[], p_iv bytea[], p_tag bytea[], p_key_ids text[], p_lookup boolean,
        p_reply_to_seqs bigint[])
      RETURNS TABLE (r_ord bigint, r_status text, r_chat_id uuid, r_id uuid, r_seq bigint, r_created_at timestamptz,
                     r_created boolean, r_ct bytea, r_iv bytea, r_tag bytea, r_key_id text,
                     r_member_ids uuid[], r_muted_ids uuid[], r_event_base bigint[])
      LANGUAGE plpgsql VOLATILE
      SET plan_cache_mode = force_generic_plan
      AS $fn$
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
          SELECT c.id, c.last_seq, GREATEST(clock_timestamp(), c.last_message_at) AS stamp
          FROM chats c WHERE c.id = ANY (p_chat_ids)
        ),
        members AS MATERIALIZED (
          SELECT m.chat_id,
                 array_agg(m.user_id ORDER BY m.joined_at, m.user_id) AS member_ids,
                 coalesce(array_agg(m.user_id ORDER BY m.joined_at, m.user_id) FILTER (WHERE m.muted), '{}'::uuid[]) AS muted_ids
          FROM chat_members m WHERE m.chat_id = ANY (p_chat_ids)
          GROUP BY m.chat_id
        ),
        classified AS MATERIALIZED (
          SELECT i.*, ch.last_seq, ch.stamp,
                 CASE WHEN ch.id IS NULL THEN 'not_found'
                      WHEN mb.member_ids IS NULL OR NOT (i.sender_id = ANY (mb.member_ids)) THEN 'forbidden'
                      -- Blocking: neither member of a direct chat writes while one blocks the other.
                      WHEN blocked_between(i.chat_id, i.sender_id) THEN 'blocked'
                      -- Message lifecycle: a reply names a stored seq (only a member learns this).
                      WHEN p_reply_to_seqs[i.ord] > ch.last_seq THEN 'invalid'
                      ELSE 'ok' END AS status,
                 -- Items repeating a key follow the first one with it.
                 min(i.ord) OVER (PARTITION BY i.chat_id, i.sender_id, i.client_msg_id) AS leader
          FROM items i
          LEFT JOIN chat ch ON ch.id = i.chat_id
          LEFT JOIN members mb ON mb.chat_id = i.chat_id
        ),
        looked AS MATERIALIZED (
          SELECT cl.*, e.id AS e_id, e.seq AS e_seq, e.created_at AS e_created_at,
                 e.body_ciphertext AS e_ct, e.body_iv AS e_iv, e.body_auth_tag AS e_tag, e.key_id AS e_key_id,
                 (cl.status = 'ok' AND cl.ord = cl.leader AND e.id IS NULL) AS fresh
          FROM classified cl
          LEFT JOIN LATERAL (
            SELECT m.id, m.seq, m.created_at, m.body_ciphertext, m.body_iv, m.body_auth_tag, m.key_id
            FROM messages m
            WHERE p_lookup AND cl.status = 'ok' AND cl.ord = cl.leader
              AND m.chat_id = cl.chat_id AND m.sender_id = cl.sender_id AND m.client_msg_id = cl.client_msg_id
          ) e ON true
        ),
        numbered AS MATERIALIZED (
          SELECT l.*,
                 CASE WHEN l.fresh THEN l.last_seq + count(*) FILTER (WHERE l.fresh) OVER (PARTITION BY l.chat_id ORDER BY l.ord ROWS UNBOUNDED PRECEDING) END AS seq
          FROM looked l
        ),
        bumped AS (
          UPDATE chats c
          SET last_seq = f.last_seq, last_message_at = f.stamp
          FROM (SELECT n.chat_id, max(n.seq) AS last_seq, max(n.stamp) AS stamp FROM numbered n WHERE n.fresh GROUP BY n.chat_id) f
          WHERE c.id = f.chat_id
        ),
        inserted AS (
          INSERT INTO messages (id, chat_id, seq, sender_id, client_msg_id, body_ciphertext, body_iv, body_auth_tag, key_id, created_at,
                                reply_to_seq)
          SELECT n.id, n.chat_id, n.seq, n.sender_id, n.client_msg_id, n.ct, n.iv, n.tag, n.key_id, n.stamp,
                 p_reply_to_seqs[n.ord]
          FROM numbered n WHERE n.fresh
          ON CONFLICT (chat_id, sender_id, client_msg_id) DO NOTHING
          RETURNING 1
        ),
        -- Every fresh row inserted, or nothing: so "fresh" below means "created now".
        checked AS (
          SELECT append_messages_check((SELECT count(*) FROM inserted), (SELECT count(*) FROM numbered n WHERE n.fresh)) AS ok
        ),
        answered AS (
          SELECT n.ord, n.status, n.chat_id, n.fresh,
                 first_value(CASE WHEN n.fresh THEN n.id ELSE n.e_id END) OVER w AS id,
                 first_value(CASE WHEN n.fresh THEN n.seq ELSE n.e_seq END) OVER w AS seq,
                 first_value(CASE WHEN n.fresh THEN n.stamp ELSE n.e_created_at END) OVER w AS created_at,
                 first_value(n.e_ct) OVER w AS ct, first_value(n.e_iv) OVER w AS iv,
                 first_value(n.e_tag) OVER w AS tag, first_value(n.e_key_id) OVER w AS key_id
          FROM numbered n
          WINDOW w AS (PARTITION BY n.chat_id, n.sender_id, n.client_msg_id ORDER BY n.ord)
        ),
        -- ---- The per-user event stream (one message:new event per member, sender included) ----
        -- Per chat: its fresh messages, whose seqs are consecutive from first_seq.
        ev_chats AS MATERIALIZED (
          SELECT n.chat_id, count(*) AS cnt, min(n.seq) AS first_seq FROM numbered n WHERE n.fresh GROUP BY n.chat_id
        ),
        -- Per (member, chat): a member's events of this batch are grouped by chat (chat id order),
        -- so one chat's are consecutive and the answer is one base per member and chat.
        ev_pairs AS MATERIALIZED (
          SELECT u.user_id, u.idx, ec.chat_id, ec.cnt, ec.first_seq,
                 (sum(ec.cnt) OVER (PARTITION BY u.user_id ORDER BY ec.chat_id))::bigint - ec.cnt AS offs,
                 (sum(ec.cnt) OVER (PARTITION BY u.user_id))::bigint AS total
          FROM ev_chats ec JOIN members mb ON mb.chat_id = ec.chat_id
          CROSS JOIN LATERAL unnest(mb.member_ids) WITH ORDINALITY AS u(user_id, idx)
        ),
        -- Each user's head moves once, rows locked in user id order AFTER the chats (every
        -- writer of events locks chats first, then users in id order: no deadlock), gapless
        -- because a rolled-back batch rolls the head back too.
        ev_heads AS (
          INSERT INTO user_event_heads AS h (user_id, last_event_seq)
          SELECT DISTINCT ON (p.user_id) p.user_id, p.total FROM ev_pairs p ORDER BY p.user_id
          ON CONFLICT (user_id) DO UPDATE SET last_event_seq = h.last_event_seq + EXCLUDED.last_event_seq
          RETURNING h.user_id, h.last_event_seq
        ),
        ev_based AS MATERIALIZED (
          SELECT p.user_id, p.idx, p.chat_id, p.cnt, p.first_seq, hd.last_event_seq - p.total + p.offs + 1 AS base
          FROM ev_pairs p JOIN ev_heads hd ON hd.user_id = p.user_id
        ),
        -- A reference, not the body: catch-up reads the message as it is then.
        ev_inserted AS (
          INSERT INTO user_events (user_id, event_seq, kind, chat_id, msg_seq)
          SELECT b.user_id, b.base + k, 1, b.chat_id, b.first_seq + k
          FROM ev_based b CROSS JOIN LATERAL generate_series(0, b.cnt - 1) AS k
        ),
        -- Member i's eventSeq of message seq s is r_event_base[i] + s.
        ev_answer AS (
          SELECT b.chat_id, array_agg(b.base - b.first_seq ORDER BY b.idx) AS event_base FROM ev_based b GROUP BY b.chat_id
        )
        SELECT a.ord, a.status, a.chat_id, a.id, a.seq, a.created_at, a.fresh, a.ct, a.iv, a.tag, a.key_id, NULL::uuid[], NULL::uuid[], NULL::bigint[]
        FROM answered a CROSS JOIN checked
        WHERE checked.ok
        UNION ALL
        SELECT NULL, 'members', mb.chat_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, mb.member_ids, mb.muted_ids, ea.event_base
        FROM members mb LEFT JOIN ev_answer ea ON ea.chat_id = mb.chat_id;
      END
      $fn$`;

/**
 * The one definition of append_messages() and its helper. Migrations apply it (CREATE OR
 * REPLACE), like a repeatable migration: to change the function, edit it here and add a
 * migration that calls applyAppendMessagesFunctions(). Its earlier bodies live in git history.
 */
export async function applyAppendMessagesFunctions(q: QueryRunner): Promise<void> {
  // CREATE OR REPLACE cannot change a signature: a new parameter would make an overload.
  await q.query(
    `DROP FUNCTION IF EXISTS append_messages(uuid[], uuid[], uuid[], text[], uuid[], bytea[], bytea[], bytea[], text[], boolean)`,
  );
  await q.query(APPEND_MESSAGES_CHECK);
  // Its RETURNS TABLE grew (r_event_base): CREATE OR REPLACE cannot change that either.
  await q.query(
    `DROP FUNCTION IF EXISTS append_messages(uuid[], uuid[], uuid[], text[], uuid[], bytea[], bytea[], bytea[], text[], boolean, bigint[])`,
  );
  await q.query(APPEND_MESSAGES);
}

export async function dropAppendMessagesFunctions(q: QueryRunner): Promise<void> {
  await q.query(
    `DROP FUNCTION IF EXISTS append_messages(uuid[], uuid[], uuid[], text[], uuid[], bytea[], bytea[], bytea[], text[], boolean)`,
  );
  await q.query(
    `DROP FUNCTION IF EXISTS append_messages(uuid[], uuid[], uuid[], text[], uuid[], bytea[], bytea[], bytea[], text[], boolean, bigint[])`,
  );
  await q.query(`DROP FUNCTION append_messages_check(bigint, bigint)`);
}
