import { ChatHeadsDigestV1, ChatHeadsRecoverV1, HeadsLimits, type ChatHeadsDigest } from '@parley/contracts';
import { createGroup, errorOf, newUserId, send, useMessageStore } from '../testing/message-store.harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('heads: chat.heads.digest.v1 and chat.heads.recover.v1 (live-delivery repair)', () => {
  const h = useMessageStore({}, 60_000);
  const digests: ChatHeadsDigest[] = [];

  beforeAll(() => {
    h.bus.subscribe(ChatHeadsDigestV1, (d) => {
      digests.push(d);
    });
  });

  it('publishes, every second, the joins and heads it committed, numbered without gaps (empty ones as heartbeats)', async () => {
    const [a, b, c] = [newUserId(), newUserId(), newUserId()];
    const chat = await createGroup(h.bus, a, [b, c]);
    await send(h.bus, chat.id, a, 'one');
    await send(h.bus, chat.id, b, 'two');
    const deadline = Date.now() + 5000;
    const seen = () => digests.find((d) => d.heads.some(([id, seq]) => id === chat.id && seq === 2));
    while (!seen() && Date.now() < deadline) await sleep(100);
    const digest = seen();
    if (!digest) throw new Error(`no digest with the chat's head within 5 s (${digests.length} digests)`);
    expect(digest.intervalMs).toBe(1000);
    const joins = digests.flatMap((d) => d.joins).filter((j) => j.chatId === chat.id);
    expect(joins[0]).toEqual({ chatId: chat.id, fromSeq: 0, userIds: expect.arrayContaining([a, b, c]) });
    await sleep(2500);
    const mine = digests.filter((d) => d.publisherId === digest.publisherId).map((d) => d.digestSeq);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(mine).toEqual(mine.map((_, i) => mine[0] + i));
    expect(digests[digests.length - 1]).toMatchObject({ heads: [], joins: [] }); // quiet now: heartbeats
  });

  it('recovers, for a page of users, their chats with a message or a join since a time, with the cursors replay starts from', async () => {
    const [a, b, c] = [newUserId(), newUserId(), newUserId()];
    const moved = await createGroup(h.bus, a, [b]);
    const quiet = await createGroup(h.bus, a, [c]);
    await send(h.bus, moved.id, b, 'hello');
    await send(h.bus, quiet.id, c, 'old news');
    // `quiet` had its last message and joins long ago.
    await h.sql.query(`UPDATE message_store.chats SET last_message_at = now() - interval '10 minutes' WHERE id = $1`, [
      quiet.id,
    ]);
    await h.sql.query(
      `UPDATE message_store.chat_members SET joined_at = now() - interval '10 minutes' WHERE chat_id = $1`,
      [quiet.id],
    );

    const reply = await h.bus.request(ChatHeadsRecoverV1, { userIds: [a, b, c], sinceMs: Date.now() - 60_000 });
    const expected = [a, b].map((userId) => ({ userId, chatId: moved.id, lastSeq: 1, deliveredSeq: 0, readSeq: 0 }));
    expect(reply.next).toBeUndefined();
    expect(reply.items).toEqual(expect.arrayContaining(expected));
    expect(reply.items).toHaveLength(2);

    const all = await h.bus.request(ChatHeadsRecoverV1, { userIds: [a], sinceMs: Date.now() - 30 * 60_000 });
    expect(all.items.map((i) => i.chatId).sort()).toEqual([moved.id, quiet.id].sort());
    // Keyset paging: after the first item comes the rest.
    const rest = await h.bus.request(ChatHeadsRecoverV1, {
      userIds: [a],
      sinceMs: Date.now() - 30 * 60_000,
      after: { userId: a, chatId: all.items[0].chatId },
    });
    expect(rest.items).toEqual([all.items[1]]);
  });

  it('pages at recoverPageItems and refuses what is out of bounds', async () => {
    const users = Array.from({ length: HeadsLimits.recoverMaxUsers }, () => newUserId());
    expect(
      (await errorOf(h.bus.request(ChatHeadsRecoverV1, { userIds: [...users, newUserId()], sinceMs: Date.now() })))
        .code,
    ).toBe('invalid');
    expect(
      (await errorOf(h.bus.request(ChatHeadsRecoverV1, { userIds: [users[0]], sinceMs: Date.now() - 2 * 3600_000 })))
        .code,
    ).toBe('invalid');
    expect((await errorOf(h.bus.request(ChatHeadsRecoverV1, { userIds: [], sinceMs: Date.now() }))).code).toBe(
      'invalid',
    );
    // 2,001 memberships of 256 users in recent chats: one full page, then the last item.
    const owner = users[0];
    const groups = Math.ceil((HeadsLimits.recoverPageItems + 1) / users.length);
    for (let g = 0; g < groups; g++) await createGroup(h.bus, owner, users.slice(1));
    const total = groups * users.length;
    const first = await h.bus.request(ChatHeadsRecoverV1, { userIds: users, sinceMs: Date.now() - 60_000 });
    expect(first.items).toHaveLength(HeadsLimits.recoverPageItems);
    expect(first.next).toBeDefined();
    const second = await h.bus.request(ChatHeadsRecoverV1, {
      userIds: users,
      sinceMs: Date.now() - 60_000,
      after: first.next,
    });
    expect(second.items).toHaveLength(total - HeadsLimits.recoverPageItems);
    expect(second.next).toBeUndefined();
    expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThan(512 * 1024);
  }, 60_000);
});
