import { randomUUID } from 'node:crypto';
import {
  ChatMemberRemoveV1,
  ChatMembersAddV1,
  EventListV1,
  MessageAppendBatchV1,
  ReceiptMoveV1,
  type Message,
} from '@parley/contracts';
import { EventsRetentionService } from './events-retention.service';
import { createDirect, createGroup, errorOf, newUserId, send, useMessageStore } from '../testing/message-store.harness';

describe('the per-user event stream (real PostgreSQL + NATS)', () => {
  const h = useMessageStore({ EVENT_RETENTION_MAX_EVENTS: '50', EVENT_PRUNE_INTERVAL_MS: '3600000' });

  const eventSeqsOf = async (userId: string) =>
    (
      await h.sql.query<{ event_seq: string }>(
        'SELECT event_seq FROM message_store.user_events WHERE user_id = $1 ORDER BY event_seq',
        [userId],
      )
    ).rows.map((r) => Number(r.event_seq));
  const headOf = async (userId: string) =>
    Number(
      (
        await h.sql.query<{ last_event_seq: string }>(
          'SELECT last_event_seq FROM message_store.user_event_heads WHERE user_id = $1',
          [userId],
        )
      ).rows[0]?.last_event_seq ?? 0,
    );

  it('gives every member, the sender included, one gapless eventSeq per message, chat and receipt event', async () => {
    const [alice, bob, carol] = [newUserId(), newUserId(), newUserId()];
    const group = await createGroup(h.bus, alice, [bob]); // chat:new for alice and bob: 1
    const sent = await send(h.bus, group.id, alice, 'hello'); // 2
    const i = sent.memberIds.indexOf(bob);
    const base = sent.eventSeqBase ?? [];
    expect(base[i] + sent.message.seq).toBe(2);
    expect(base[sent.memberIds.indexOf(alice)] + sent.message.seq).toBe(2);
    const moved = await h.bus.request(ReceiptMoveV1, { chatId: group.id, userId: bob, type: 'read', upToSeq: 1 }); // 3
    expect(moved.receipts.map((r) => r.type)).toEqual(['delivered', 'read']);
    expect(moved.eventSeqs).toEqual([3, 3]);
    // Not moved: no event, no eventSeq.
    const again = await h.bus.request(ReceiptMoveV1, { chatId: group.id, userId: bob, type: 'read', upToSeq: 1 });
    expect(again.eventSeqs).toBeUndefined();
    const added = await h.bus.request(ChatMembersAddV1, { chatId: group.id, actorId: alice, userIds: [carol] }); // 4 / carol 1
    expect(added.eventSeqs).toEqual([4, 4, 1]);
    const removed = await h.bus.request(ChatMemberRemoveV1, { chatId: group.id, actorId: alice, userId: bob }); // 5 / carol 2
    expect(removed.removedEventSeq).toBe(5);

    const page = await h.bus.request(EventListV1, { userId: bob, since: 0, limit: 100 });
    expect(page.events.map((e) => `${e.eventSeq} ${e.type}`)).toEqual([
      '1 chat:new',
      '2 message:new',
      '3 receipt',
      '4 chat:updated',
      '5 chat:removed',
    ]);
    expect((page.events[1].payload as Message).body).toBe('hello');
    expect(page.events[2].payload).toMatchObject({ userId: bob, type: 'read', upToSeq: 1 });
    expect(page.events[3].payload).toMatchObject({ id: group.id, memberCount: 3 });
    expect(page.events[4].payload).toEqual({ chatId: group.id });
    expect(page.hasMore).toBe(false);
    const paged = await h.bus.request(EventListV1, { userId: bob, since: 1, limit: 2 });
    expect(paged.events.map((e) => e.eventSeq)).toEqual([2, 3]);
    expect(paged.hasMore).toBe(true);
    expect((await h.bus.request(EventListV1, { userId: bob, since: 5, limit: 10 })).events).toEqual([]);
    expect((await errorOf(h.bus.request(EventListV1, { userId: bob, since: -1, limit: 10 }))).code).toBe('invalid');
  });

  it('stays gapless per user under concurrent batches over shared members, each batch one transaction', async () => {
    const users = Array.from({ length: 6 }, () => newUserId());
    // Overlapping groups: every batch below touches several of them, in different orders.
    const groups = await Promise.all([
      createGroup(h.bus, users[0], users.slice(1, 4)),
      createGroup(h.bus, users[2], users.slice(3, 6)),
      createGroup(h.bus, users[5], [users[0], users[3]]),
    ]);
    const direct = await createDirect(h.bus, users[1], users[4]);
    const chats = [...groups, direct];
    const batches = Array.from({ length: 12 }, (_, b) =>
      h.bus.request(MessageAppendBatchV1, {
        items: Array.from({ length: 20 }, (_, k) => {
          const chat = chats[(b + k) % chats.length];
          return {
            chatId: chat.id,
            senderId: chat.members[k % chat.members.length].userId,
            clientMsgId: `b${b}-${k}`,
            body: `m ${b}.${k}`,
          };
        }),
      }),
    );
    const receipts = users.map((u, k) =>
      h.bus.request(ReceiptMoveV1, { chatId: groups[0].id, userId: u, type: 'delivered', upToSeq: 5 + k }).catch(
        () => null, // users[4..5] are not in that group
      ),
    );
    const replies = await Promise.all(batches);
    await Promise.all(receipts);
    for (const reply of replies) expect(reply.results.every((r) => r.ok)).toBe(true);
    for (const u of users) {
      const seqs = await eventSeqsOf(u);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
      expect(await headOf(u)).toBe(seqs.length);
    }
    // What each reply said matches what is stored: member i's eventSeq = base + seq.
    const stored = new Map<string, string>();
    const { rows } = await h.sql.query<{ user_id: string; event_seq: string; chat_id: string; msg_seq: string }>(
      'SELECT user_id, event_seq, chat_id, msg_seq FROM message_store.user_events WHERE kind = 1 AND user_id = ANY($1)',
      [users],
    );
    for (const r of rows) stored.set(`${r.user_id} ${r.event_seq}`, `${r.chat_id} ${r.msg_seq}`);
    let checked = 0;
    for (const reply of replies) {
      for (const r of reply.results) {
        if (!r.ok || r.reply.eventSeqBaseIdx === undefined) continue;
        const m = reply.members[r.reply.message.chatId];
        const base = m.eventSeqBases?.[r.reply.eventSeqBaseIdx] ?? [];
        m.memberIds.forEach((u, i) => {
          expect(stored.get(`${u} ${base[i] + r.reply.message.seq}`)).toBe(
            `${r.reply.message.chatId} ${r.reply.message.seq}`,
          );
          checked++;
        });
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('a failed batch leaves no event behind (same transaction)', async () => {
    const [a, b] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, a, b);
    await send(h.bus, chat.id, a, 'one', 'dup');
    const before = await headOf(b);
    // The optimistic statement meets the stored key, fails whole and runs again with the lookup.
    const reply = await h.bus.request(MessageAppendBatchV1, {
      items: [
        { chatId: chat.id, senderId: b, clientMsgId: 'new', body: 'two' },
        { chatId: chat.id, senderId: a, clientMsgId: 'dup', body: 'one again' },
      ],
    });
    expect(reply.results.map((r) => r.ok && r.reply.created)).toEqual([true, false]);
    expect(await headOf(b)).toBe(before + 1);
    expect(await eventSeqsOf(b)).toEqual(Array.from({ length: before + 1 }, (_, k) => k + 1));
  });

  it('retention keeps the latest events per user; below them: resyncRequired with the oldest kept', async () => {
    const [a, b] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, a, b);
    for (let k = 0; k < 60; k++) await send(h.bus, chat.id, a, `n${k}`, randomUUID());
    await h.app.get(EventsRetentionService).pruneAll();
    expect(await eventSeqsOf(b)).toHaveLength(50);
    expect(await h.bus.request(EventListV1, { userId: b, since: 0, limit: 10 })).toEqual({
      events: [],
      hasMore: false,
      resyncRequired: true,
      oldestEventSeq: 12,
      lastEventSeq: 61,
    });
    const ok = await h.bus.request(EventListV1, { userId: b, since: 11, limit: 1 });
    expect(ok.events.map((e) => e.eventSeq)).toEqual([12]);
  });
});
