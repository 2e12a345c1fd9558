import { randomUUID } from 'node:crypto';
import { ChatGetV1, ChatSettingsV1, MessageAppendV1, MessageHistoryV1, type Message } from '@parley/contracts';
import { http } from '@parley/shared/testing';
import { createDirect, createGroup, errorOf, newUserId, send, useMessageStore } from '../testing/message-store.harness';

describe('message.append.v1 (real PostgreSQL + NATS)', () => {
  const h = useMessageStore({ MESSAGE_PARTITIONS: '8' });

  const batchMetrics = async () => {
    const text = (await http<string>(h.baseUrl, 'GET', '/metrics')).body;
    const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    return {
      count: value('parley_message_append_batch_size_count'),
      sum: value('parley_message_append_batch_size_sum'),
    };
  };
  const lastSeq = async (chatId: string, userId: string) =>
    (await h.bus.request(ChatGetV1, { chatId, userId })).lastSeq;

  it('stores a message with seq 1 and answers members and muted members', async () => {
    const [alice, bob, carol] = [newUserId(), newUserId(), newUserId()];
    const chat = await createGroup(h.bus, alice, [bob, carol]);
    await h.bus.request(ChatSettingsV1, { chatId: chat.id, userId: carol, muted: true });
    const clientMsgId = randomUUID();
    const reply = await send(h.bus, chat.id, alice, 'hello 👋', clientMsgId);
    expect(reply.created).toBe(true);
    expect(reply.message).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      chatId: chat.id,
      seq: 1,
      senderId: alice,
      clientMsgId,
      body: 'hello 👋',
      createdAt: expect.any(String),
      replyToSeq: null,
      editedAt: null,
      deleted: false,
      reactions: [],
    });
    expect(new Date(reply.message.createdAt).toISOString()).toBe(reply.message.createdAt);
    expect([...reply.memberIds].sort()).toEqual([alice, bob, carol].sort());
    expect(reply.mutedMemberIds).toEqual([carol]);
    expect(await lastSeq(chat.id, bob)).toBe(1);
  });

  it('a resend returns the stored original (even with another body) and stores nothing', async () => {
    const [alice, bob] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, alice, bob);
    const first = await send(h.bus, chat.id, alice, 'original', 'c-1');
    const again = await send(h.bus, chat.id, alice, 'changed body', 'c-1');
    expect(again.created).toBe(false);
    expect(again.message).toEqual(first.message);
    // The key is per sender: bob may use the same clientMsgId.
    const bobs = await send(h.bus, chat.id, bob, 'from bob', 'c-1');
    expect(bobs.created).toBe(true);
    expect(bobs.message.seq).toBe(2);
    expect(await lastSeq(chat.id, alice)).toBe(2);
  });

  it('answers invalid, not_found and forbidden in that order, and a refused send burns no seq', async () => {
    const [alice, bob, stranger] = [newUserId(), newUserId(), newUserId()];
    const chat = await createDirect(h.bus, alice, bob);
    await send(h.bus, chat.id, alice, 'one');

    const bad = (payload: unknown) => errorOf(h.bus.request(MessageAppendV1, payload as never));
    const ok = { chatId: chat.id, senderId: alice, clientMsgId: 'x', body: 'b' };
    for (const payload of [
      null,
      'text',
      { ...ok, chatId: 'not-a-uuid' },
      { ...ok, senderId: 42 },
      { ...ok, clientMsgId: '' },
      { ...ok, clientMsgId: 'x'.repeat(65) },
      { ...ok, clientMsgId: 'a\u0000b' },
      { ...ok, body: '' },
      { ...ok, body: 'x'.repeat(4097) },
      { ...ok, body: '😀'.repeat(4097) },
      { ...ok, body: undefined },
      // invalid wins over not_found
      { ...ok, chatId: randomUUID(), body: '' },
    ]) {
      expect((await bad(payload)).code).toBe('invalid');
    }
    expect((await bad({ ...ok, chatId: randomUUID() })).code).toBe('not_found');
    const forbidden = await bad({ ...ok, senderId: stranger });
    expect(forbidden).toMatchObject({ code: 'forbidden', message: 'not a member of this chat' });

    // 4096 code points of 2 UTF-16 units each is within the limit.
    const long = await send(h.bus, chat.id, alice, '😀'.repeat(4096));
    expect(long.message.seq).toBe(2);
    expect(long.message.body).toBe('😀'.repeat(4096));
    expect(await lastSeq(chat.id, alice)).toBe(2);
  });

  it('200 concurrent appends from 4 senders get seqs exactly 1..200', async () => {
    const senders = [newUserId(), newUserId(), newUserId(), newUserId()];
    const chat = await createGroup(h.bus, senders[0], senders.slice(1));
    const batchesBefore = await batchMetrics();
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => send(h.bus, chat.id, senders[i % 4], `message ${i}`, `m-${i}`)),
    );
    expect(replies.every((r) => r.created)).toBe(true);
    expect(replies.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    expect(new Set(replies.map((r) => r.message.id)).size).toBe(200);
    expect(await lastSeq(chat.id, senders[0])).toBe(200);
    // Group commit: the 200 appends went through in fewer transactions than appends.
    const batchesAfter = await batchMetrics();
    expect(batchesAfter.sum - batchesBefore.sum).toBe(200);
    expect(batchesAfter.count - batchesBefore.count).toBeLessThan(200);

    // What was answered is what is stored.
    const stored: Message[] = [];
    for (let after = 0; ;) {
      const page = await h.bus.request(MessageHistoryV1, { chatId: chat.id, userId: senders[1], after, limit: 100 });
      stored.push(...page.messages);
      if (!page.hasMore) break;
      after = page.messages[page.messages.length - 1].seq;
    }
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const answered = new Map(replies.map((r) => [r.message.seq, r.message]));
    for (const m of stored) expect(m).toEqual(answered.get(m.seq));
  });

  it('the same clientMsgId sent 3 times at once stores one row; all answers carry its id and seq', async () => {
    const [alice, bob] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, alice, bob);
    const replies = await Promise.all([1, 2, 3].map((n) => send(h.bus, chat.id, alice, `try ${n}`, 'same-key')));
    expect(new Set(replies.map((r) => r.message.id)).size).toBe(1);
    expect(replies.map((r) => r.message.seq)).toEqual([1, 1, 1]);
    expect(replies.filter((r) => r.created)).toHaveLength(1);
    const rows = await h.sql.query(`SELECT count(*)::int AS n FROM message_store.messages WHERE chat_id = $1`, [
      chat.id,
    ]);
    expect(rows.rows[0].n).toBe(1);
    expect(await lastSeq(chat.id, alice)).toBe(1);
  });

  it('refused sends in a batch do not fail the others and burn no seq', async () => {
    const [alice, bob] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, alice, bob);
    const strangers = Array.from({ length: 10 }, () => newUserId());
    const results = await Promise.allSettled([
      ...strangers.map((s) => send(h.bus, chat.id, s, 'let me in')),
      ...Array.from({ length: 10 }, (_, i) => send(h.bus, chat.id, i % 2 ? alice : bob, `ok ${i}`)),
      send(h.bus, randomUUID(), alice, 'nowhere'),
    ]);
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code));
    expect(codes).toEqual([...Array(10).fill('forbidden'), ...Array(10).fill('ok'), 'not_found']);
    const seqs = results
      .slice(10, 20)
      .map((r) => (r as PromiseFulfilledResult<{ message: Message }>).value.message.seq);
    expect(seqs.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await lastSeq(chat.id, alice)).toBe(10);
  });

  it('spreads rows over the hash partitions and stores no body in clear text', async () => {
    const alice = newUserId();
    const secret = `top secret ${randomUUID()}`;
    for (let i = 0; i < 16; i++) {
      const chat = await createDirect(h.bus, alice, newUserId());
      await send(h.bus, chat.id, alice, secret);
    }
    const partitions = await h.sql.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'message_store.messages'::regclass ORDER BY 1`,
    );
    expect(partitions.rows).toHaveLength(8); // MESSAGE_PARTITIONS at migration time
    const spread = await h.sql.query(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM message_store.messages GROUP BY 1`,
    );
    expect(spread.rows.length).toBeGreaterThanOrEqual(3);

    const rows = await h.sql.query(
      `SELECT body_ciphertext, body_iv, body_auth_tag, key_id FROM message_store.messages WHERE sender_id = $1`,
      [alice],
    );
    expect(rows.rows).toHaveLength(16);
    for (const row of rows.rows as {
      body_ciphertext: Buffer;
      body_iv: Buffer;
      body_auth_tag: Buffer;
      key_id: string;
    }[]) {
      expect(row.body_ciphertext.includes(Buffer.from('top secret'))).toBe(false);
      expect(row.body_iv).toHaveLength(12);
      expect(row.body_auth_tag).toHaveLength(16);
      expect(row.key_id).toBe('k1');
    }
    const clear = await h.sql.query(
      `SELECT count(*)::int AS n FROM message_store.messages WHERE position(convert_to($1, 'UTF8') in body_ciphertext) > 0`,
      [secret],
    );
    expect(clear.rows[0].n).toBe(0);
  });

  it('serves health and append metrics over HTTP', async () => {
    expect((await http(h.baseUrl, 'GET', '/health/live')).status).toBe(200);
    const ready = await http<{ info: Record<string, { status: string }> }>(h.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, nats: { status: 'up' } });
    const metrics = await http<string>(h.baseUrl, 'GET', '/metrics');
    expect(metrics.body).toMatch(/parley_message_appends_total\{result="created",service="message-store"\} \d+/);
    expect(metrics.body).toMatch(/parley_message_appends_total\{result="forbidden",service="message-store"\} \d+/);
    expect(metrics.body).toMatch(/parley_message_append_batch_size_count\{service="message-store"\} \d+/);
    expect(metrics.body).toMatch(/parley_message_append_duration_seconds_bucket/);
  });
});
