import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MessageCipher, MessagesRepository, type AppendOutcome } from '@parley/message-store/data-access-messages';
import { PgDatabase } from '@parley/shared/data-access-postgres';
import { Pool } from 'pg';
import {
  createDirect,
  createGroup,
  newUserId,
  send,
  startMessageStore,
  type MessageStoreHarness,
} from '../testing/message-store.harness';
import { GroupCommitQueue } from './group-commit.queue';

/** The batch transaction itself, driven directly so the batch content is exact. */
describe('MessagesRepository.appendBatch (real PostgreSQL)', () => {
  let h: MessageStoreHarness;
  let pool: Pool;
  let repo: MessagesRepository;
  beforeAll(async () => {
    h = await startMessageStore();
    pool = new Pool({ connectionString: h.db.url, max: 3, options: '-c search_path=message_store,public' });
    repo = new MessagesRepository(
      new PgDatabase(pool),
      MessageCipher.fromKeyList(readFileSync(h.keys.messageKeysFile, 'utf8')),
    );
  });
  afterAll(async () => {
    await pool?.end();
    await h?.close();
  });

  const stored = (o: AppendOutcome) => {
    if (o.status !== 'stored') throw new Error(`expected stored, got ${o.status}`);
    return o;
  };

  it('answers every item of a mixed batch on its own, in one transaction', async () => {
    const [alice, bob, carol, mallory] = [newUserId(), newUserId(), newUserId(), newUserId()];
    const a = await createDirect(h.bus, alice, bob);
    const b = await createGroup(h.bus, carol, [alice]);
    const earlier = await send(h.bus, a.id, alice, 'stored before', 'old-key');

    const outcomes = await repo.appendBatch([
      { chatId: a.id, senderId: alice, clientMsgId: 'k1', body: 'a1' },
      { chatId: b.id, senderId: carol, clientMsgId: 'k1', body: 'b1' },
      { chatId: a.id, senderId: mallory, clientMsgId: 'k2', body: 'not a member' },
      { chatId: randomUUID(), senderId: alice, clientMsgId: 'k3', body: 'nowhere' },
      { chatId: a.id, senderId: alice, clientMsgId: 'k1', body: 'same key, other body' },
      { chatId: a.id, senderId: bob, clientMsgId: 'k1', body: 'a2' },
      { chatId: a.id, senderId: alice, clientMsgId: 'old-key', body: 'resend' },
      { chatId: b.id, senderId: alice, clientMsgId: 'k9', body: 'b2' },
    ]);

    expect(outcomes.map((o) => o.status)).toEqual([
      'stored',
      'stored',
      'forbidden',
      'not_found',
      'stored',
      'stored',
      'stored',
      'stored',
    ]);
    const [a1, b1, , , a1again, a2, resend, b2] = outcomes.map((o) => (o.status === 'stored' ? o : null));
    // Seqs continue each chat's own counter, in batch order; refusals took none.
    expect([a1?.message.seq, a2?.message.seq]).toEqual([2, 3]);
    expect([b1?.message.seq, b2?.message.seq]).toEqual([1, 2]);
    expect([a1?.created, a1again?.created, a2?.created, resend?.created]).toEqual([true, false, true, false]);
    expect(a1again?.message).toEqual(a1?.message);
    expect(a1?.message.body).toBe('a1');
    expect(resend?.message).toEqual(earlier.message);
    expect(stored(outcomes[1]).memberIds.sort()).toEqual([alice, carol].sort());

    const counts = await h.sql.query(
      `SELECT id::text, last_seq::int FROM message_store.chats WHERE id = ANY($1::uuid[]) ORDER BY last_seq`,
      [[a.id, b.id]],
    );
    expect(counts.rows).toEqual([
      { id: b.id, last_seq: 2 },
      { id: a.id, last_seq: 3 },
    ]);
    // One transaction: one timestamp per chat.
    expect(a1?.message.createdAt).toBe(a2?.message.createdAt);
  });

  it('a batch whose INSERT fails is retried item by item: only the poison item is affected', async () => {
    const [alice, bob] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, alice, bob);
    // PostgreSQL text cannot hold NUL (message-store's request checks refuse it before this
    // layer), so this item fails the batch's statement. The batch changes nothing; retried
    // alone, the neighbours succeed in order.
    const queue = new GroupCommitQueue(
      (items: Parameters<MessagesRepository['appendBatch']>[0]) => repo.appendBatch(items),
      {
        maxBatch: 10,
        maxWaitMs: 5,
        maxQueue: 100,
        maxConcurrent: 1,
        isUnavailable: () => false,
      },
    );
    const results = await Promise.allSettled([
      queue.submit({ chatId: chat.id, senderId: alice, clientMsgId: 'before', body: '1' }),
      queue.submit({ chatId: chat.id, senderId: alice, clientMsgId: 'second', body: '2' }),
      queue.submit({ chatId: chat.id, senderId: alice, clientMsgId: 'nul\u0000', body: '3' }),
      queue.submit({ chatId: chat.id, senderId: bob, clientMsgId: 'after', body: '4' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const seqOf = (r: PromiseSettledResult<AppendOutcome>) =>
      stored((r as PromiseFulfilledResult<AppendOutcome>).value).message.seq;
    expect([seqOf(results[0]), seqOf(results[1]), seqOf(results[3])]).toEqual([1, 2, 3]);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: '22021' });
    const rows = await h.sql.query(`SELECT seq::int FROM message_store.messages WHERE chat_id = $1 ORDER BY seq`, [
      chat.id,
    ]);
    expect(rows.rows.map((r: { seq: number }) => r.seq)).toEqual([1, 2, 3]);
  });

  it("a big batch over many chats: every item answered with its chat's next seq, a repeated key once", async () => {
    const users = Array.from({ length: 17 }, () => newUserId());
    const chats: Awaited<ReturnType<typeof createDirect>>[] = [];
    for (let i = 0; i < 16; i++) chats.push(await createDirect(h.bus, users[i], users[i + 1]));
    const items = Array.from({ length: 480 }, (_, k) => ({
      chatId: chats[k % 16].id,
      senderId: users[k % 16],
      clientMsgId: `m${k}`,
      body: `b${k}`,
    }));
    items.push({ ...items[0], body: 'again' });
    const outcomes = (await repo.appendBatch(items)).map(stored);
    // Each chat got 30 items, in batch order: seqs 1..30.
    for (let c = 0; c < 16; c++) {
      expect(outcomes.filter((_, k) => k < 480 && k % 16 === c).map((o) => o.message.seq)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
    }
    expect(outcomes[480].created).toBe(false);
    expect(outcomes[480].message).toEqual(outcomes[0].message);
    const counts = await h.sql.query(
      `SELECT count(*)::int AS n FROM message_store.messages WHERE chat_id = ANY($1::uuid[])`,
      [chats.map((c) => c.id)],
    );
    expect(counts.rows[0].n).toBe(480);
  });

  it('append_messages() is planned once per connection (a custom plan per call cost ~2 ms)', async () => {
    const r = await h.sql.query(`SELECT proconfig FROM pg_proc WHERE proname = 'append_messages'`);
    expect(r.rows).toEqual([{ proconfig: ['plan_cache_mode=force_generic_plan'] }]);
  });
});
