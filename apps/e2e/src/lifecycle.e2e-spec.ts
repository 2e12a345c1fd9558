import type { Message } from '@parley/contracts';
import { http, registerUser, TestSocket, TestStack, type TestUser } from '@parley/shared/testing';
import { createChat, send, sleep, useStack } from './support';

type Answer = { ok: boolean; message?: Message; error?: { code: string; message: string } };

/** Edit window of this stack, short so a test can outlive it. */
const EDIT_WINDOW_SECONDS = 4;

/** Message lifecycle: replies, edits, deletes and reactions over real sockets. */
describe('message lifecycle (real stack)', () => {
  let stack: TestStack;
  let gw: string;
  const connectTo = useStack(
    {
      label: 'lifecycle',
      env: {
        MESSAGE_EDIT_WINDOW_SECONDS: String(EDIT_WINDOW_SECONDS),
        // Each test uses its own users: a small burst lets one of them reach the limit.
        RATE_LIMIT_MESSAGES_PER_SECOND: '1',
        RATE_LIMIT_MESSAGES_BURST: '40',
      },
    },
    (s) => {
      stack = s;
      gw = s.gatewayUrl;
    },
  );
  const connect = (user: TestUser) => connectTo(gw, user);
  const users = (...names: string[]) => Promise.all(names.map((n) => registerUser(stack.authUrl, n)));
  const ack = (s: TestSocket, event: string, payload: unknown) => s.emitAck<Answer>(event, payload);
  const codeOf = async (s: TestSocket, event: string, payload: unknown) => (await ack(s, event, payload)).error?.code;
  const okMessage = async (s: TestSocket, event: string, payload: unknown): Promise<Message> => {
    const a = await ack(s, event, payload);
    if (!a.ok || !a.message) throw new Error(`${event} failed: ${JSON.stringify(a.error)}`);
    return a.message;
  };
  const updatesOf = (s: TestSocket, chatId: string) =>
    s.events<Message>('message:updated').filter((m) => m.chatId === chatId);
  const history = async (user: TestUser, chatId: string) =>
    (await http<{ messages: Message[] }>(gw, 'GET', `/v1/chats/${chatId}/messages`, { token: user.token })).body
      .messages;

  it('a v1 send gets the four new fields; a reply carries replyToSeq to everyone', async () => {
    const [alice, bob] = await users('alice', 'bob');
    const [a, b] = [await connect(alice), await connect(bob)];
    const chat = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    const first = await send(a, chat.id, 'question?');
    expect(first).toMatchObject({ replyToSeq: null, editedAt: null, deleted: false, reactions: [] });
    const reply = await okMessage(b, 'message:send', {
      chatId: chat.id,
      clientMsgId: 'r1',
      body: 'answer',
      replyToSeq: 1,
    });
    expect(reply).toMatchObject({ seq: 2, replyToSeq: 1 });
    expect(await a.waitFor<Message>('message:new', (m) => m.id === reply.id)).toEqual(reply);
    expect((await history(alice, chat.id)).map((m) => m.replyToSeq)).toEqual([null, 1]);
  });

  it('edit, react and delete reach an online member and the actor’s other device, not the acting socket', async () => {
    const [alice, bob] = await users('alice', 'bob');
    const [a, aPhone, b] = [await connect(alice), await connect(alice), await connect(bob)];
    const chat = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    const sent = await send(a, chat.id, 'helo');

    const edited = await okMessage(a, 'message:edit', { chatId: chat.id, seq: sent.seq, body: 'hello' });
    expect(edited).toMatchObject({ id: sent.id, seq: 1, body: 'hello', deleted: false });
    expect(edited.editedAt).toEqual(expect.any(String));
    expect(await b.waitFor<Message>('message:updated', (m) => m.body === 'hello')).toEqual(edited);
    expect(await aPhone.waitFor<Message>('message:updated', (m) => m.body === 'hello')).toEqual(edited);

    const reacted = await okMessage(b, 'message:react', { chatId: chat.id, seq: 1, emoji: '👍' });
    expect(reacted.reactions).toEqual([{ userId: bob.user.id, emoji: '👍' }]);
    expect(await a.waitFor<Message>('message:updated', (m) => m.reactions.length === 1)).toEqual(reacted);

    const deleted = await okMessage(a, 'message:delete', { chatId: chat.id, seq: 1 });
    expect(deleted).toMatchObject({ seq: 1, deleted: true, body: '', reactions: [], editedAt: edited.editedAt });
    expect(await b.waitFor<Message>('message:updated', (m) => m.deleted)).toEqual(deleted);
    expect(await aPhone.waitFor<Message>('message:updated', (m) => m.deleted)).toEqual(deleted);
    // The acting socket had its answers in the acks; bob's own reaction came back to him not at all.
    expect(updatesOf(a, chat.id).map((m) => m.reactions.length)).toEqual([1]);
    expect(updatesOf(b, chat.id).map((m) => m.body)).toEqual(['hello', '']);

    // The chat list shows the tombstone; the seq never moved.
    const list = await http<{ id: string; lastMessage: Message | null; lastSeq: number }[]>(gw, 'GET', '/v1/chats', {
      token: bob.token,
    });
    expect(list.body.find((c) => c.id === chat.id)).toMatchObject({ lastSeq: 1, lastMessage: deleted });
  });

  it('an offline member finds every change in the replay and the history', async () => {
    const [alice, bob] = await users('alice', 'bob');
    const a = await connect(alice);
    const chat = await createChat(gw, alice, { type: 'group', title: 'g', memberIds: [bob.user.id] });
    await send(a, chat.id, 'one');
    await send(a, chat.id, 'two');
    await send(a, chat.id, 'three');
    await okMessage(a, 'message:edit', { chatId: chat.id, seq: 1, body: 'one, edited' });
    await okMessage(a, 'message:react', { chatId: chat.id, seq: 2, emoji: '🎉' });
    await okMessage(a, 'message:delete', { chatId: chat.id, seq: 3 });

    const b = await connect(bob);
    const replayed = await b.waitForCount<Message>('message:new', 3, (m) => m.chatId === chat.id);
    expect(replayed.map((m) => [m.seq, m.body, m.editedAt !== null, m.reactions, m.deleted])).toEqual([
      [1, 'one, edited', true, [], false],
      [2, 'two', false, [{ userId: alice.user.id, emoji: '🎉' }], false],
      [3, '', false, [], true],
    ]);
    expect(await history(bob, chat.id)).toEqual(replayed);
  });

  it('a group admin deletes anyone’s message; a member deletes only their own', async () => {
    const [alice, bob, carol] = await users('alice', 'bob', 'carol');
    const [a, b, c] = [await connect(alice), await connect(bob), await connect(carol)];
    const chat = await createChat(gw, alice, {
      type: 'group',
      title: 'g',
      memberIds: [bob.user.id, carol.user.id],
    });
    await send(b, chat.id, 'from bob');
    expect(await codeOf(c, 'message:delete', { chatId: chat.id, seq: 1 })).toBe('forbidden');
    const deleted = await okMessage(a, 'message:delete', { chatId: chat.id, seq: 1 });
    expect(deleted).toMatchObject({ senderId: bob.user.id, deleted: true, body: '' });
    expect(await b.waitFor<Message>('message:updated', (m) => m.deleted)).toEqual(deleted);
    expect(await c.waitFor<Message>('message:updated', (m) => m.deleted)).toEqual(deleted);
  });

  it('changes that change nothing answer ok and emit nothing', async () => {
    const [alice, bob] = await users('alice', 'bob');
    const [a, b] = [await connect(alice), await connect(bob)];
    const chat = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    const sent = await send(a, chat.id, 'same');
    await send(a, chat.id, 'to delete');
    await okMessage(a, 'message:delete', { chatId: chat.id, seq: 2 });
    await b.waitFor<Message>('message:updated', (m) => m.seq === 2);

    expect(await okMessage(a, 'message:edit', { chatId: chat.id, seq: 1, body: 'same' })).toEqual(sent);
    expect(await okMessage(a, 'message:react', { chatId: chat.id, seq: 1, emoji: null })).toEqual(sent);
    const tombstone = await okMessage(a, 'message:delete', { chatId: chat.id, seq: 2 });
    expect(tombstone).toMatchObject({ deleted: true, body: '' });
    await okMessage(a, 'message:react', { chatId: chat.id, seq: 1, emoji: '👍' });
    const marker = await b.waitFor<Message>('message:updated', (m) => m.reactions.length === 1);
    expect(await okMessage(a, 'message:react', { chatId: chat.id, seq: 1, emoji: '👍' })).toEqual(marker);
    await okMessage(a, 'message:react', { chatId: chat.id, seq: 1, emoji: null });
    await b.waitFor<Message>('message:updated', (m) => m.seq === 1 && m.reactions.length === 0);
    // Events of one socket arrive in order: the no-ops would sit between these.
    expect(updatesOf(b, chat.id).map((m) => [m.seq, m.reactions.length])).toEqual([
      [2, 0],
      [1, 1],
      [1, 0],
    ]);
  });

  it('answers every error in precedence order: invalid, not_found, forbidden, conflict', async () => {
    const [alice, bob, eve] = await users('alice', 'bob', 'eve');
    const [a, b, e] = [await connect(alice), await connect(bob), await connect(eve)];
    const chat = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    await send(a, chat.id, 'one');
    const unknownChat = '00000000-0000-4000-8000-000000000000';
    const target = { chatId: chat.id, seq: 1 };
    const events: [string, object][] = [
      ['message:edit', { body: 'x' }],
      ['message:delete', {}],
      ['message:react', { emoji: '👍' }],
    ];
    for (const [event, extra] of events) {
      // Shapes first, even on an unknown chat or for a non-member.
      for (const seq of ['1', 0, 1.5, null]) {
        expect(await codeOf(e, event, { ...extra, chatId: unknownChat, seq })).toBe('invalid');
      }
      expect(await codeOf(a, event, { ...extra, chatId: 'nope', seq: 1 })).toBe('invalid');
      // Then the chat: unknown, then not a member whatever the seq; only a member learns not_found.
      expect(await codeOf(a, event, { ...extra, chatId: unknownChat, seq: 1 })).toBe('not_found');
      expect(await codeOf(e, event, { ...extra, ...target, seq: 99 })).toBe('forbidden');
      expect(await codeOf(e, event, { ...extra, ...target })).toBe('forbidden');
      expect(await codeOf(a, event, { ...extra, ...target, seq: 99 })).toBe('not_found');
    }
    for (const body of ['', 'x'.repeat(4097), 5, undefined]) {
      expect(await codeOf(a, 'message:edit', { ...target, body })).toBe('invalid');
    }
    for (const emoji of [undefined, '', '👍'.repeat(17), 7]) {
      expect(await codeOf(b, 'message:react', { ...target, emoji })).toBe('invalid');
    }
    // replyToSeq: a shape error first, then forbidden for a non-member, then invalid for a member.
    const reply = { chatId: chat.id, clientMsgId: 'x1', body: 'b' };
    expect(await codeOf(a, 'message:send', { ...reply, replyToSeq: '1' })).toBe('invalid');
    expect(await codeOf(e, 'message:send', { ...reply, replyToSeq: 99 })).toBe('forbidden');
    expect(await codeOf(a, 'message:send', { ...reply, replyToSeq: 2 })).toBe('invalid');
    // A refused reply burnt no seq.
    expect((await send(a, chat.id, 'two')).seq).toBe(2);

    // Someone else's message: forbidden to edit or delete (a direct chat has no admins).
    expect(await codeOf(b, 'message:edit', { ...target, body: 'mine now' })).toBe('forbidden');
    expect(await codeOf(b, 'message:delete', target)).toBe('forbidden');
    // A tombstone: edits and reactions conflict (forbidden still comes first).
    await okMessage(a, 'message:delete', target);
    expect(await codeOf(b, 'message:edit', { ...target, body: 'x' })).toBe('forbidden');
    expect(await codeOf(a, 'message:edit', { ...target, body: 'x' })).toBe('conflict');
    expect(await codeOf(b, 'message:react', { ...target, emoji: '👍' })).toBe('conflict');
  });

  it('an edit after the edit window is forbidden', async () => {
    const [alice, bob] = await users('alice', 'bob');
    const a = await connect(alice);
    const chat = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    const sent = await send(a, chat.id, 'soon too late');
    // Waits out the window: the outcome does not depend on timing, only on the window being over.
    await sleep(EDIT_WINDOW_SECONDS * 1000 + 500);
    expect(await codeOf(a, 'message:edit', { chatId: chat.id, seq: sent.seq, body: 'late' })).toBe('forbidden');
    // Deleting and reacting have no window.
    expect((await okMessage(a, 'message:react', { chatId: chat.id, seq: sent.seq, emoji: '⏰' })).reactions).toEqual([
      { userId: alice.user.id, emoji: '⏰' },
    ]);
    expect((await okMessage(a, 'message:delete', { chatId: chat.id, seq: sent.seq })).deleted).toBe(true);
  });

  it('edits, deletes and reactions are rate-limited with sends', async () => {
    const [alice, bob] = await users('alice', 'bob');
    const a = await connect(alice);
    const chat = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    await send(a, chat.id, 'target');
    // 30 sends and 30 reactions at once against one budget of 40: separate limits would let all through.
    const answers = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) =>
        ack(a, 'message:send', { chatId: chat.id, clientMsgId: `s${i}`, body: 'x' }),
      ),
      ...Array.from({ length: 30 }, (_, i) =>
        ack(a, 'message:react', { chatId: chat.id, seq: 1, emoji: String.fromCodePoint(0x1f600 + i) }),
      ),
    ]);
    const refused = answers.filter((x) => !x.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.map((x) => `${x.error?.code}: ${x.error?.message}`)).toEqual(
      refused.map(() => expect.stringMatching(/^rate_limited/)),
    );
  });
});
