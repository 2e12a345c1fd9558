import { randomUUID } from 'node:crypto';
import {
  ChatListV1,
  ChatMemberRoleV1,
  MessageAppendV1,
  MessageDeleteV1,
  MessageEditV1,
  MessageHistoryV1,
  MessageReactV1,
} from '@parley/contracts';
import { createDirect, createGroup, errorOf, newUserId, send, useMessageStore } from '../testing/message-store.harness';

describe('message lifecycle: replies, edits, deletes, reactions (real PostgreSQL + NATS)', () => {
  const h = useMessageStore({ MESSAGE_PARTITIONS: '4' });

  const history = async (chatId: string, userId: string) =>
    (await h.bus.request(MessageHistoryV1, { chatId, userId, limit: 50 })).messages;
  const rawRow = async (chatId: string, seq: number) =>
    (
      await h.sql.query<{ body_ciphertext: Buffer; body_iv: Buffer; body_auth_tag: Buffer; deleted: boolean }>(
        'SELECT body_ciphertext, body_iv, body_auth_tag, deleted FROM message_store.messages WHERE chat_id = $1 AND seq = $2',
        [chatId, seq],
      )
    ).rows[0];

  it('stores replyToSeq on send; a reply above lastSeq is invalid (members only) and burns no seq', async () => {
    const [alice, bob, stranger] = [newUserId(), newUserId(), newUserId()];
    const chat = await createDirect(h.bus, alice, bob);
    const first = await send(h.bus, chat.id, alice, 'one');
    expect(first.message).toMatchObject({ replyToSeq: null, editedAt: null, deleted: false, reactions: [] });
    const reply = await h.bus.request(MessageAppendV1, {
      chatId: chat.id,
      senderId: bob,
      clientMsgId: randomUUID(),
      body: 'two',
      replyToSeq: 1,
    });
    expect(reply.message).toMatchObject({ seq: 2, replyToSeq: 1 });
    const tooHigh = { chatId: chat.id, clientMsgId: randomUUID(), body: 'x', replyToSeq: 3 };
    expect((await errorOf(h.bus.request(MessageAppendV1, { ...tooHigh, senderId: bob }))).code).toBe('invalid');
    expect((await errorOf(h.bus.request(MessageAppendV1, { ...tooHigh, senderId: stranger }))).code).toBe('forbidden');
    for (const replyToSeq of [0, '1', 1.5]) {
      const err = await errorOf(h.bus.request(MessageAppendV1, { ...tooHigh, senderId: bob, replyToSeq } as never));
      expect(err.code).toBe('invalid');
    }
    const next = await send(h.bus, chat.id, alice, 'three');
    expect(next.message.seq).toBe(3);
    expect((await history(chat.id, alice)).map((m) => m.replyToSeq)).toEqual([null, 1, null]);
  });

  it('edits: new body and editedAt; same body is no change; others, tombstones and late edits refused', async () => {
    const [alice, bob] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, alice, bob);
    await send(h.bus, chat.id, alice, 'before');
    const edited = await h.bus.request(MessageEditV1, { chatId: chat.id, userId: alice, seq: 1, body: 'after' });
    expect(edited.changed).toBe(true);
    expect(edited.message).toMatchObject({ seq: 1, body: 'after', deleted: false });
    expect(edited.message.editedAt).toEqual(expect.any(String));
    expect([...edited.memberIds].sort()).toEqual([alice, bob].sort());
    const again = await h.bus.request(MessageEditV1, { chatId: chat.id, userId: alice, seq: 1, body: 'after' });
    expect(again).toMatchObject({ changed: false, message: edited.message });
    expect((await history(chat.id, bob))[0]).toEqual(edited.message);

    const err = (req: object) =>
      errorOf(h.bus.request(MessageEditV1, { chatId: chat.id, seq: 1, body: 'x', ...req } as never));
    expect((await err({ userId: bob })).code).toBe('forbidden');
    expect((await err({ userId: alice, seq: 2 })).code).toBe('not_found');
    expect((await err({ userId: newUserId(), seq: 2 })).code).toBe('forbidden');
    expect((await err({ userId: alice, chatId: randomUUID() })).code).toBe('not_found');
    expect((await err({ userId: alice, body: '' })).code).toBe('invalid');
    expect((await err({ userId: alice, seq: '1' })).code).toBe('invalid');

    // Past the edit window (15 minutes by default).
    await h.sql.query(
      `UPDATE message_store.messages SET created_at = now() - interval '16 minutes' WHERE chat_id = $1`,
      [chat.id],
    );
    expect((await err({ userId: alice })).code).toBe('forbidden');
  });

  it('deletes: the body leaves the table, reactions go, the tombstone stays; admins delete in groups', async () => {
    const [alice, bob, carol] = [newUserId(), newUserId(), newUserId()];
    const chat = await createGroup(h.bus, alice, [bob, carol]);
    await send(h.bus, chat.id, bob, 'secret words');
    await send(h.bus, chat.id, bob, 'reply', randomUUID());
    await h.bus.request(MessageReactV1, { chatId: chat.id, userId: carol, seq: 1, emoji: '👍' });
    const before = await rawRow(chat.id, 1);
    expect(before.body_ciphertext.length).toBeGreaterThan(0);

    expect((await errorOf(h.bus.request(MessageDeleteV1, { chatId: chat.id, userId: carol, seq: 1 }))).code).toBe(
      'forbidden',
    );
    const gone = await h.bus.request(MessageDeleteV1, { chatId: chat.id, userId: alice, seq: 1 });
    expect(gone.changed).toBe(true);
    expect(gone.message).toMatchObject({ seq: 1, body: '', deleted: true, reactions: [], senderId: bob });
    const row = await rawRow(chat.id, 1);
    expect(row.deleted).toBe(true);
    expect([row.body_ciphertext.length, row.body_iv.length, row.body_auth_tag.length]).toEqual([0, 0, 0]);
    expect((await h.sql.query('SELECT 1 FROM message_store.reactions WHERE chat_id = $1', [chat.id])).rowCount).toBe(0);

    const again = await h.bus.request(MessageDeleteV1, { chatId: chat.id, userId: bob, seq: 1 });
    expect(again).toMatchObject({ changed: false, message: gone.message });
    expect((await history(chat.id, carol))[0]).toEqual(gone.message);
    // A tombstone takes no edit or reaction, but a reply is fine.
    expect(
      (await errorOf(h.bus.request(MessageEditV1, { chatId: chat.id, userId: bob, seq: 1, body: 'x' }))).code,
    ).toBe('conflict');
    expect(
      (await errorOf(h.bus.request(MessageReactV1, { chatId: chat.id, userId: bob, seq: 1, emoji: '👍' }))).code,
    ).toBe('conflict');
    const reply = await h.bus.request(MessageAppendV1, {
      chatId: chat.id,
      senderId: carol,
      clientMsgId: randomUUID(),
      body: 'to the deleted one',
      replyToSeq: 1,
    });
    expect(reply.message.replyToSeq).toBe(1);

    // A demoted admin no longer deletes others' messages; direct chats have no admins.
    await h.bus.request(ChatMemberRoleV1, { chatId: chat.id, actorId: alice, userId: bob, role: 'admin' });
    await h.bus.request(ChatMemberRoleV1, { chatId: chat.id, actorId: bob, userId: alice, role: 'member' });
    expect((await errorOf(h.bus.request(MessageDeleteV1, { chatId: chat.id, userId: alice, seq: 2 }))).code).toBe(
      'forbidden',
    );
  });

  it('the chat list shows a deleted last message as its tombstone; a resend answers the tombstone', async () => {
    const [alice, bob] = [newUserId(), newUserId()];
    const chat = await createDirect(h.bus, alice, bob);
    await send(h.bus, chat.id, alice, 'oops', 'key-1');
    await h.bus.request(MessageDeleteV1, { chatId: chat.id, userId: alice, seq: 1 });
    const list = await h.bus.request(ChatListV1, { userId: bob });
    const entry = list.chats.find((c) => c.id === chat.id);
    expect(entry?.lastMessage).toMatchObject({ seq: 1, body: '', deleted: true, reactions: [] });
    const resend = await send(h.bus, chat.id, alice, 'oops', 'key-1');
    expect(resend.created).toBe(false);
    expect(resend.message).toMatchObject({ seq: 1, body: '', deleted: true });
  });

  it('reactions: one per user, a replaced one moves to the end, null removes, no-ops change nothing', async () => {
    const [alice, bob, carol] = [newUserId(), newUserId(), newUserId()];
    const chat = await createGroup(h.bus, alice, [bob, carol]);
    await send(h.bus, chat.id, alice, 'react to me');
    const react = (userId: string, emoji: string | null) =>
      h.bus.request(MessageReactV1, { chatId: chat.id, userId, seq: 1, emoji });
    await react(bob, '👍');
    await react(carol, '❤️');
    const replaced = await react(bob, '🎉');
    expect(replaced.changed).toBe(true);
    expect(replaced.message.reactions).toEqual([
      { userId: carol, emoji: '❤️' },
      { userId: bob, emoji: '🎉' },
    ]);
    expect((await react(bob, '🎉')).changed).toBe(false);
    expect((await react(alice, null)).changed).toBe(false);
    const removed = await react(carol, null);
    expect(removed).toMatchObject({ changed: true, message: { reactions: [{ userId: bob, emoji: '🎉' }] } });
    expect((await history(chat.id, alice))[0].reactions).toEqual([{ userId: bob, emoji: '🎉' }]);

    const bad = (emoji: unknown) =>
      errorOf(h.bus.request(MessageReactV1, { chatId: chat.id, userId: bob, seq: 1, emoji } as never));
    for (const emoji of [undefined, '', 'x'.repeat(17), 5]) expect((await bad(emoji)).code).toBe('invalid');
    expect((await react(bob, '😀'.repeat(16))).changed).toBe(true);
  });
});
