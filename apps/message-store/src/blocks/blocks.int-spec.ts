import {
  BlockCreateV1,
  BlockListV1,
  BlockRelationsV1,
  BlockRemoveV1,
  ChatCreateV1,
  MessageAppendBatchV1,
  MessageDeleteV1,
  MessageEditV1,
  MessageReactV1,
} from '@parley/contracts';
import { BlocksRepository } from '@parley/message-store/data-access-messages';
import { PgDatabase } from '@parley/shared/data-access-postgres';
import { createDirect, createGroup, errorOf, newUserId, send, useMessageStore } from '../testing/message-store.harness';

const codeOf = async (work: Promise<unknown>) => (await errorOf(work)).code;

describe('block.* and the blocking rule in SQL (real PostgreSQL + NATS)', () => {
  const h = useMessageStore();
  let repo: BlocksRepository;
  beforeAll(() => {
    repo = new BlocksRepository(h.app.get(PgDatabase));
  });

  it('create: 201-like created=true once, then the same block unchanged; self is invalid', async () => {
    const [a, b] = [newUserId(), newUserId()];
    const first = await h.bus.request(BlockCreateV1, { blockerId: a, blockedId: b });
    expect(first.created).toBe(true);
    expect(first.block.userId).toBe(b);
    const again = await h.bus.request(BlockCreateV1, { blockerId: a, blockedId: b.toUpperCase() });
    expect(again).toEqual({ block: first.block, created: false });
    expect(await codeOf(h.bus.request(BlockCreateV1, { blockerId: a, blockedId: a }))).toBe('invalid');
    expect(await codeOf(h.bus.request(BlockCreateV1, { blockerId: a, blockedId: 'nope' }))).toBe('invalid');
    const rows = await h.sql.query(`SELECT blocker_id, blocked_id FROM message_store.blocks WHERE blocker_id = $1`, [
      a,
    ]);
    expect(rows.rows).toEqual([{ blocker_id: a, blocked_id: b }]);
  });

  it('remove: removed once, then false; list pages by user id with a cursor', async () => {
    const a = newUserId();
    const others = [newUserId(), newUserId(), newUserId()].sort();
    for (const o of others) await h.bus.request(BlockCreateV1, { blockerId: a, blockedId: o });
    const page1 = await h.bus.request(BlockListV1, { blockerId: a, limit: 2 });
    expect(page1.blocks.map((x) => x.userId)).toEqual(others.slice(0, 2));
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await h.bus.request(BlockListV1, { blockerId: a, limit: 2, cursor: page1.nextCursor ?? undefined });
    expect(page2).toMatchObject({ blocks: [{ userId: others[2] }], nextCursor: null });
    expect(await codeOf(h.bus.request(BlockListV1, { blockerId: a, cursor: 'garbage' }))).toBe('invalid');
    expect(await codeOf(h.bus.request(BlockListV1, { blockerId: a, limit: 501 }))).toBe('invalid');

    expect(await h.bus.request(BlockRemoveV1, { blockerId: a, blockedId: others[0] })).toEqual({ removed: true });
    expect(await h.bus.request(BlockRemoveV1, { blockerId: a, blockedId: others[0] })).toEqual({ removed: false });
    const all = await h.bus.request(BlockListV1, { blockerId: a });
    expect(all.blocks.map((x) => x.userId)).toEqual(others.slice(1));
  });

  it('relations: both directions, of the named users only', async () => {
    const [me, blocker, blocked, stranger] = [newUserId(), newUserId(), newUserId(), newUserId()];
    await h.bus.request(BlockCreateV1, { blockerId: blocker, blockedId: me });
    await h.bus.request(BlockCreateV1, { blockerId: me, blockedId: blocked });
    expect(
      await h.bus.request(BlockRelationsV1, { userId: me, otherUserIds: [blocker, blocked, stranger, me] }),
    ).toEqual({ blockedBy: [blocker], blocking: [blocked] });
  });

  it('a blocked user cannot create (or reopen) the direct chat; the blocker can; groups are unaffected', async () => {
    const [a, b] = [newUserId(), newUserId()];
    await h.bus.request(BlockCreateV1, { blockerId: a, blockedId: b });
    expect(await codeOf(createDirect(h.bus, b, a))).toBe('forbidden');
    const chat = await createDirect(h.bus, a, b);
    expect(await codeOf(h.bus.request(ChatCreateV1, { creatorId: b, type: 'direct', memberIds: [a] }))).toBe(
      'forbidden',
    );
    // Still invalid before forbidden.
    expect(
      await codeOf(h.bus.request(ChatCreateV1, { creatorId: b, type: 'direct', memberIds: [a, newUserId()] })),
    ).toBe('invalid');
    const group = await createGroup(h.bus, b, [a]);
    expect((await send(h.bus, group.id, b, 'group is fine')).created).toBe(true);
    expect((await send(h.bus, group.id, a, 'both ways')).created).toBe(true);
    expect(chat.type).toBe('direct');
  });

  it('append_messages: neither side sends in the direct chat while either blocks; unblock restores; seqs stay gapless', async () => {
    const [a, b] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, a, b);
    expect((await send(h.bus, chat.id, b, 'before')).message.seq).toBe(1);
    await h.bus.request(BlockCreateV1, { blockerId: a, blockedId: b });
    expect(await errorOf(send(h.bus, chat.id, b, 'blocked'))).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/^blocked/),
    });
    expect(await codeOf(send(h.bus, chat.id, a, 'the blocker neither'))).toBe('forbidden');
    expect(await repo.isBlockedBetween(chat.id, a)).toBe(true);
    expect(await repo.isBlockedBetween(chat.id, b)).toBe(true);

    // In one batch with other chats' items: only the blocked pair's items are refused.
    const other = await createDirect(h.bus, a, newUserId());
    const batch = await h.bus.request(MessageAppendBatchV1, {
      items: [
        { chatId: chat.id, senderId: b, clientMsgId: 'x1', body: 'no' },
        { chatId: other.id, senderId: a, clientMsgId: 'x2', body: 'yes' },
      ],
    });
    expect(batch.results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['forbidden', 'ok']);

    await h.bus.request(BlockRemoveV1, { blockerId: a, blockedId: b });
    expect(await repo.isBlockedBetween(chat.id, b)).toBe(false);
    expect((await send(h.bus, chat.id, b, 'after')).message.seq).toBe(2);

    // The other direction blocks too.
    await h.bus.request(BlockCreateV1, { blockerId: b, blockedId: a });
    expect(await codeOf(send(h.bus, chat.id, a, 'no'))).toBe('forbidden');
    expect((await send(h.bus, other.id, a, 'other chats go on')).message.seq).toBe(2);
  });

  it("edit and react are forbidden in a blocked direct chat (before seq checks); deleting one's own stays allowed", async () => {
    const [a, b] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, a, b);
    await send(h.bus, chat.id, b, 'mine');
    await h.bus.request(BlockCreateV1, { blockerId: a, blockedId: b });
    expect(await codeOf(h.bus.request(MessageEditV1, { chatId: chat.id, userId: b, seq: 1, body: 'x' }))).toBe(
      'forbidden',
    );
    expect(await codeOf(h.bus.request(MessageReactV1, { chatId: chat.id, userId: a, seq: 1, emoji: '👍' }))).toBe(
      'forbidden',
    );
    expect(await codeOf(h.bus.request(MessageReactV1, { chatId: chat.id, userId: b, seq: 99, emoji: '👍' }))).toBe(
      'forbidden',
    );
    const deleted = await h.bus.request(MessageDeleteV1, { chatId: chat.id, userId: b, seq: 1 });
    expect(deleted.message.deleted).toBe(true);
    await h.bus.request(BlockRemoveV1, { blockerId: a, blockedId: b });
    expect(await codeOf(h.bus.request(MessageReactV1, { chatId: chat.id, userId: a, seq: 1, emoji: '👍' }))).toBe(
      'conflict',
    );
  });

  it('isBlockedBetween is false for groups and for non-blocked pairs', async () => {
    const [a, b] = [newUserId(), newUserId()];
    const group = await createGroup(h.bus, a, [b]);
    await h.bus.request(BlockCreateV1, { blockerId: a, blockedId: b });
    expect(await repo.isBlockedBetween(group.id, b)).toBe(false);
    const free = await createDirect(h.bus, newUserId(), newUserId());
    expect(await repo.isBlockedBetween(free.id, a)).toBe(false);
  });
});
