import { randomUUID } from 'node:crypto';
import { MessageHistoryV1, ReceiptListV1, ReceiptMoveV1, UserCursorsV1, type HistoryPage } from '@parley/contracts';
import { createDirect, createGroup, errorOf, newUserId, send, useMessageStore } from '../testing/message-store.harness';

const codeOf = async (work: Promise<unknown>) => (await errorOf(work)).code;
const seqs = (page: HistoryPage) => page.messages.map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('message.history.v1 and receipt.* (real PostgreSQL + NATS)', () => {
  const h = useMessageStore();

  describe('history', () => {
    const [alice, bob] = [newUserId(), newUserId()];
    let chatId: string;
    const page = (q: { before?: number; after?: number; limit?: number }) =>
      h.bus.request(MessageHistoryV1, { chatId, userId: bob, limit: 50, ...q });

    beforeAll(async () => {
      chatId = (await createDirect(h.bus, alice, bob)).id;
      for (let i = 1; i <= 120; i++) await send(h.bus, chatId, i % 3 ? alice : bob, `m${i}`);
    });

    it('latest page, ascending, hasMore when older ones exist', async () => {
      const latest = await page({});
      expect(seqs(latest)).toEqual(range(71, 120));
      expect(latest.hasMore).toBe(true);
      expect(latest.messages[0]).toMatchObject({
        chatId,
        seq: 71,
        body: 'm71',
        senderId: alice,
        clientMsgId: expect.any(String),
      });
      const all = await page({ limit: 100 });
      expect([seqs(all), all.hasMore]).toEqual([range(21, 120), true]);
      const one = await page({ limit: 1 });
      expect([seqs(one), one.hasMore]).toEqual([[120], true]);
    });

    it('before: the page just below; before=1 is empty', async () => {
      expect(seqs(await page({ before: 71 }))).toEqual(range(21, 70));
      const bottom = await page({ before: 21 });
      expect([seqs(bottom), bottom.hasMore]).toEqual([range(1, 20), false]);
      const exact = await page({ before: 51, limit: 50 });
      expect([seqs(exact), exact.hasMore]).toEqual([range(1, 50), false]);
      expect(await page({ before: 1 })).toEqual({ messages: [], hasMore: false });
      const beyond = await page({ before: 10_000, limit: 2 });
      expect([seqs(beyond), beyond.hasMore]).toEqual([[119, 120], true]);
    });

    it('after: the page just above; after=lastSeq is empty', async () => {
      const first = await page({ after: 0, limit: 100 });
      expect([seqs(first), first.hasMore]).toEqual([range(1, 100), true]);
      const rest = await page({ after: 100, limit: 100 });
      expect([seqs(rest), rest.hasMore]).toEqual([range(101, 120), false]);
      const edge = await page({ after: 119, limit: 1 });
      expect([seqs(edge), edge.hasMore]).toEqual([[120], false]);
      expect(await page({ after: 120 })).toEqual({ messages: [], hasMore: false });
    });

    it('rejects bad limits and cursors, and two cursors', async () => {
      for (const q of [
        { limit: 0 },
        { limit: 101 },
        { limit: 2.5 },
        { before: 0 },
        { before: -1 },
        { after: -1 },
        { after: 1.5 },
        { after: '3' as unknown as number },
        { before: 5, after: 1 },
      ]) {
        expect([q, await codeOf(page(q))]).toEqual([q, 'invalid']);
      }
      // limit omitted: the default 50
      const defaulted = await h.bus.request(MessageHistoryV1, { chatId, userId: bob } as never);
      expect(defaulted.messages).toHaveLength(50);
    });

    it('non-members are forbidden, unknown chats not_found, invalid first', async () => {
      expect(await codeOf(h.bus.request(MessageHistoryV1, { chatId, userId: newUserId(), limit: 10 }))).toBe(
        'forbidden',
      );
      expect(await codeOf(h.bus.request(MessageHistoryV1, { chatId: randomUUID(), userId: bob, limit: 10 }))).toBe(
        'not_found',
      );
      expect(await codeOf(h.bus.request(MessageHistoryV1, { chatId: randomUUID(), userId: bob, limit: 0 }))).toBe(
        'invalid',
      );
    });

    it('keeps a page of large bodies under the NATS payload limit, nearest the cursor, with hasMore', async () => {
      const big = (await createDirect(h.bus, alice, newUserId())).id;
      const body = '😀'.repeat(4096); // 16 KiB of UTF-8 each
      for (let i = 0; i < 60; i++) await send(h.bus, big, alice, body);
      const latest = await h.bus.request(MessageHistoryV1, { chatId: big, userId: alice, limit: 100 });
      expect(latest.hasMore).toBe(true);
      expect(latest.messages.length).toBeGreaterThan(10);
      expect(latest.messages.length).toBeLessThan(60);
      expect(seqs(latest)).toEqual(range(61 - latest.messages.length, 60));
      const oldest = await h.bus.request(MessageHistoryV1, { chatId: big, userId: alice, after: 0, limit: 100 });
      expect([seqs(oldest)[0], oldest.hasMore]).toEqual([1, true]);
    });
  });

  describe('receipts', () => {
    it('watermarks move forward only, clamp to lastSeq, and read implies delivered', async () => {
      const [alice, bob] = [newUserId(), newUserId()];
      const chatId = (await createDirect(h.bus, alice, bob)).id;
      for (let i = 0; i < 5; i++) await send(h.bus, chatId, alice, `m${i}`);
      const move = (type: 'delivered' | 'read', upToSeq: number) =>
        h.bus.request(ReceiptMoveV1, { chatId, userId: bob, type, upToSeq });
      const cursor = async () =>
        (await h.bus.request(UserCursorsV1, { userId: bob })).chats.find((c) => c.chatId === chatId);

      const d3 = await move('delivered', 3);
      expect(d3.receipts).toEqual([{ chatId, userId: bob, type: 'delivered', upToSeq: 3, at: expect.any(String) }]);
      expect(d3.memberIds.sort()).toEqual([alice, bob].sort());
      expect((await move('delivered', 2)).receipts).toEqual([]);
      expect((await move('delivered', 3)).receipts).toEqual([]);
      expect(await cursor()).toMatchObject({ deliveredSeq: 3, readSeq: 0 });

      // read 4 moves read and delivered
      const r4 = await move('read', 4);
      expect(r4.receipts.map((r) => [r.type, r.upToSeq])).toEqual([
        ['delivered', 4],
        ['read', 4],
      ]);
      // read 2: below both, nothing moves
      expect((await move('read', 2)).receipts).toEqual([]);
      // clamped to lastSeq 5
      const r99 = await move('read', 99);
      expect(r99.receipts.map((r) => [r.type, r.upToSeq])).toEqual([
        ['delivered', 5],
        ['read', 5],
      ]);
      expect(await cursor()).toEqual({ chatId, lastSeq: 5, deliveredSeq: 5, readSeq: 5 });
      expect((await move('delivered', 99)).receipts).toEqual([]);

      // Sending moves no watermark of the sender.
      await send(h.bus, chatId, bob, 'from bob');
      expect(await cursor()).toEqual({ chatId, lastSeq: 6, deliveredSeq: 5, readSeq: 5 });
    });

    it('rejects bad input, non-members and unknown chats', async () => {
      const [alice, bob] = [newUserId(), newUserId()];
      const chatId = (await createDirect(h.bus, alice, bob)).id;
      await send(h.bus, chatId, alice, 'x');
      for (const upToSeq of [0, -1, 1.5, '2']) {
        expect(
          await codeOf(h.bus.request(ReceiptMoveV1, { chatId, userId: bob, type: 'read', upToSeq: upToSeq as number })),
        ).toBe('invalid');
      }
      expect(
        await codeOf(h.bus.request(ReceiptMoveV1, { chatId, userId: bob, type: 'seen' as 'read', upToSeq: 1 })),
      ).toBe('invalid');
      expect(
        await codeOf(h.bus.request(ReceiptMoveV1, { chatId, userId: newUserId(), type: 'read', upToSeq: 1 })),
      ).toBe('forbidden');
      expect(
        await codeOf(h.bus.request(ReceiptMoveV1, { chatId: randomUUID(), userId: bob, type: 'read', upToSeq: 1 })),
      ).toBe('not_found');
      // In an empty chat upToSeq clamps to 0: accepted, nothing moves.
      const empty = (await createDirect(h.bus, alice, newUserId())).id;
      expect(
        (await h.bus.request(ReceiptMoveV1, { chatId: empty, userId: alice, type: 'read', upToSeq: 3 })).receipts,
      ).toEqual([]);
    });

    it('concurrent moves never go back and each seq is reported once', async () => {
      const [alice, bob] = [newUserId(), newUserId()];
      const chatId = (await createDirect(h.bus, alice, bob)).id;
      for (let i = 0; i < 30; i++) await send(h.bus, chatId, alice, `m${i}`);
      const ups = Array.from({ length: 30 }, (_, i) => ((i * 7) % 30) + 1);
      const replies = await Promise.all(
        ups.map((n, i) =>
          h.bus.request(ReceiptMoveV1, { chatId, userId: bob, type: i % 2 ? 'read' : 'delivered', upToSeq: n }),
        ),
      );
      const cursor = (await h.bus.request(UserCursorsV1, { userId: bob })).chats.find((c) => c.chatId === chatId);
      const maxRead = Math.max(...ups.filter((_, i) => i % 2));
      expect(cursor).toMatchObject({ deliveredSeq: 30, readSeq: maxRead });
      for (const type of ['delivered', 'read'] as const) {
        const moved = replies.flatMap((r) => r.receipts).filter((r) => r.type === type);
        expect(new Set(moved.map((r) => r.upToSeq)).size).toBe(moved.length);
        const stored = await h.sql.query(
          `SELECT up_to_seq::int AS s, at FROM message_store.watermark_moves WHERE chat_id = $1 AND user_id = $2 AND type = $3 ORDER BY up_to_seq`,
          [chatId, bob, type],
        );
        expect(stored.rows.map((r: { s: number }) => r.s)).toEqual(moved.map((r) => r.upToSeq).sort((a, b) => a - b));
        // Logged in the order they happened: times rise with the watermark.
        const times = stored.rows.map((r: { at: Date }) => r.at.getTime());
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }
    });

    it('lists, per member but the sender, when each watermark first reached the seq', async () => {
      const [alice, bob, carol, stranger] = [newUserId(), newUserId(), newUserId(), newUserId()];
      const chatId = (await createGroup(h.bus, alice, [bob, carol])).id;
      const m1 = (await send(h.bus, chatId, alice, 'one')).message;
      await send(h.bus, chatId, alice, 'two');
      const list = (seq: number, userId = alice) => h.bus.request(ReceiptListV1, { chatId, userId, seq });

      let receipts = await list(1);
      expect(receipts.map((r) => r.userId).sort()).toEqual([bob, carol].sort());
      expect(receipts.every((r) => r.deliveredAt === null && r.readAt === null)).toBe(true);

      const d = (await h.bus.request(ReceiptMoveV1, { chatId, userId: bob, type: 'delivered', upToSeq: 1 }))
        .receipts[0];
      const r = await h.bus.request(ReceiptMoveV1, { chatId, userId: carol, type: 'read', upToSeq: 2 });
      receipts = await list(1, bob);
      const byUser = new Map(receipts.map((x) => [x.userId, x]));
      expect(byUser.get(bob)).toEqual({ userId: bob, deliveredAt: d.at, readAt: null });
      expect(byUser.get(carol)).toEqual({ userId: carol, deliveredAt: r.receipts[0].at, readAt: r.receipts[1].at });

      // A later move does not change when seq 1 was first reached.
      await h.bus.request(ReceiptMoveV1, { chatId, userId: bob, type: 'delivered', upToSeq: 2 });
      expect((await list(1)).find((x) => x.userId === bob)?.deliveredAt).toBe(d.at);
      expect((await list(2)).find((x) => x.userId === bob)?.deliveredAt).not.toBe(d.at);
      expect(m1.senderId).toBe(alice);

      // A message by bob lists alice and carol.
      const m3 = (await send(h.bus, chatId, bob, 'three')).message;
      expect((await list(m3.seq)).map((x) => x.userId).sort()).toEqual([alice, carol].sort());

      expect(await codeOf(list(1, stranger))).toBe('forbidden');
      expect(await codeOf(list(99))).toBe('not_found');
      expect(await codeOf(list(0))).toBe('invalid');
      expect(await codeOf(h.bus.request(ReceiptListV1, { chatId: randomUUID(), userId: alice, seq: 1 }))).toBe(
        'not_found',
      );
    });
  });
});
