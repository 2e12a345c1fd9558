import { randomUUID } from 'node:crypto';
import type { Chat, ChatEvent, HistoryPage, PresenceState } from '@parley/contracts';
import { http, registerUser, TestSocket, TestStack, type TestUser } from '@parley/shared/testing';
import { createChat, send, useStack } from './support';

type Ack = { ok: boolean; error?: { code: string; message: string } };
type Typing = { chatId: string; userId: string; isTyping: boolean };
const codeOf = (ack: Ack) => (ack.ok ? 'ok' : ack.error?.code);

/** v1.1: blocking, the per-user connection cap, bounded chat:new / chat:updated (two gateways). */
describe('blocking, devices cap and bounded chat events (real stack, two gateways)', () => {
  let stack: TestStack;
  let gw1: string;
  let gw2: string;
  const connect = useStack({ label: 'blocking', gateways: 2 }, (s) => {
    stack = s;
    [gw1, gw2] = s.gatewayUrls;
  });
  const block = (url: string, by: TestUser, userId: unknown) =>
    http<{ userId: string; createdAt: string } & { error?: { code: string } }>(url, 'POST', '/v1/blocks', {
      token: by.token,
      body: { userId },
    });
  const unblock = (url: string, by: TestUser, userId: string) =>
    http(url, 'DELETE', `/v1/blocks/${userId}`, { token: by.token });

  it('POST/DELETE/GET /v1/blocks: answers and error codes in v1 order', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const carol = await registerUser(stack.authUrl, 'carol');

    const noToken = await http(gw1, 'POST', '/v1/blocks', { body: { userId: bob.user.id } });
    expect(noToken.status).toBe(401);
    // unauthorized comes before invalid
    expect((await http(gw1, 'POST', '/v1/blocks', { body: { userId: 'nope' } })).status).toBe(401);
    for (const bad of ['nope', 42, null, undefined]) {
      const res = await block(gw1, alice, bad);
      expect([res.status, res.body.error?.code]).toEqual([400, 'invalid']);
    }
    const self = await block(gw1, alice, alice.user.id);
    expect([self.status, self.body.error?.code]).toEqual([400, 'invalid']);
    const unknown = await block(gw1, alice, randomUUID());
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'not_found']);

    const created = await block(gw1, alice, bob.user.id);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ userId: bob.user.id, createdAt: expect.any(String) });
    const again = await block(gw2, alice, bob.user.id.toUpperCase());
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
    expect((await block(gw2, alice, carol.user.id)).status).toBe(201);

    const list = await http<{ userId: string; createdAt: string }[]>(gw2, 'GET', '/v1/blocks', { token: alice.token });
    expect(list.status).toBe(200);
    expect(list.body.map((b) => b.userId).sort()).toEqual([bob.user.id, carol.user.id].sort());
    expect(list.body.find((b) => b.userId === bob.user.id)).toEqual(created.body);
    // Bounded: a page at a time, Next-Cursor to the next one.
    const page1 = await http<{ userId: string }[]>(gw1, 'GET', '/v1/blocks?limit=1', { token: alice.token });
    const cursor = page1.headers.get('next-cursor');
    expect([page1.body.length, typeof cursor]).toEqual([1, 'string']);
    const page2 = await http<{ userId: string }[]>(gw1, 'GET', `/v1/blocks?limit=1&cursor=${cursor}`, {
      token: alice.token,
    });
    expect([...page1.body, ...page2.body].map((b) => b.userId)).toEqual(list.body.map((b) => b.userId));
    expect(page2.headers.get('next-cursor')).toBeNull();
    expect((await http(gw1, 'GET', '/v1/blocks?limit=0', { token: alice.token })).status).toBe(400);
    expect((await http(gw1, 'GET', '/v1/blocks?limit=501', { token: alice.token })).status).toBe(400);
    expect((await http(gw1, 'GET', '/v1/blocks', {})).status).toBe(401);
    // Bob's own list does not show Alice's blocks.
    expect((await http(gw1, 'GET', '/v1/blocks', { token: bob.token })).body).toEqual([]);

    expect((await unblock(gw1, alice, bob.user.id)).status).toBe(204);
    expect((await unblock(gw2, alice, bob.user.id)).status).toBe(204);
    expect((await unblock(gw2, alice, randomUUID())).status).toBe(204);
    const badPath = await http<{ error: { code: string } }>(gw1, 'DELETE', '/v1/blocks/nope', { token: alice.token });
    expect([badPath.status, badPath.body.error.code]).toEqual([400, 'invalid']);
    expect((await http(gw1, 'DELETE', `/v1/blocks/${bob.user.id}`, {})).status).toBe(401);
    const after = await http<{ userId: string }[]>(gw1, 'GET', '/v1/blocks', { token: alice.token });
    expect(after.body.map((b) => b.userId)).toEqual([carol.user.id]);
  });

  it('direct chats: the blocked user cannot create or reopen one (forbidden); the blocker can; groups are unaffected', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const existing = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    expect((await block(gw1, alice, bob.user.id)).status).toBe(201);

    const reopen = await http<{ error: { code: string } }>(gw2, 'POST', '/v1/chats', {
      token: bob.token,
      body: { type: 'direct', memberIds: [alice.user.id] },
    });
    expect([reopen.status, reopen.body.error.code]).toEqual([403, 'forbidden']);
    // invalid and not_found still come first
    const twoOthers = await http<{ error: { code: string } }>(gw2, 'POST', '/v1/chats', {
      token: bob.token,
      body: { type: 'direct', memberIds: [alice.user.id, randomUUID()] },
    });
    expect(twoOthers.body.error.code).toBe('invalid');
    const ghost = await http<{ error: { code: string } }>(gw2, 'POST', '/v1/chats', {
      token: bob.token,
      body: { type: 'direct', memberIds: [randomUUID()] },
    });
    expect(ghost.body.error.code).toBe('not_found');

    // The blocker still gets (or creates) the direct chat.
    const mine = await http<Chat>(gw1, 'POST', '/v1/chats', {
      token: alice.token,
      body: { type: 'direct', memberIds: [bob.user.id] },
    });
    expect([mine.status, mine.body.id]).toEqual([200, existing.id]);
    const fresh = await registerUser(stack.authUrl, 'dave');
    expect((await block(gw1, fresh, alice.user.id)).status).toBe(201);
    // Alice is the blocked one towards Dave: she cannot open a chat with him, he can with her.
    const toDave = await http<{ error: { code: string } }>(gw1, 'POST', '/v1/chats', {
      token: alice.token,
      body: { type: 'direct', memberIds: [fresh.user.id] },
    });
    expect(toDave.status).toBe(403);
    expect((await createChat(gw2, fresh, { type: 'direct', memberIds: [alice.user.id] })).type).toBe('direct');

    // Groups: Bob may put Alice in a group and both write there.
    const group = await createChat(gw2, bob, { type: 'group', title: 'g', memberIds: [alice.user.id] });
    const a = await connect(gw1, alice);
    const b = await connect(gw2, bob);
    expect((await send(b, group.id, 'hello group')).seq).toBe(1);
    expect((await send(a, group.id, 'hi')).seq).toBe(2);

    // Unblocked: Bob may open the chat again.
    expect((await unblock(gw2, alice, bob.user.id)).status).toBe(204);
    expect((await createChat(gw2, bob, { type: 'direct', memberIds: [alice.user.id] })).id).toBe(existing.id);
  });

  it('sending: neither side writes in the direct chat while one blocks; history stays readable; unblock restores', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice);
    const b = await connect(gw2, bob);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    await send(a, chat.id, 'one');
    await send(b, chat.id, 'two');

    expect((await block(gw2, alice, bob.user.id)).status).toBe(201);
    const sendAck = (s: TestSocket, body: string) =>
      s.emitAck<Ack>('message:send', { chatId: chat.id, clientMsgId: randomUUID(), body });
    expect(codeOf(await sendAck(b, 'let me in'))).toBe('forbidden');
    expect(codeOf(await sendAck(a, 'the blocker neither'))).toBe('forbidden');
    // Shape errors still come first; a chat one is not in is still forbidden, an unknown one not_found.
    expect(codeOf(await b.emitAck<Ack>('message:send', { chatId: chat.id, clientMsgId: 'x', body: 42 }))).toBe(
      'invalid',
    );
    expect(
      codeOf(await b.emitAck<Ack>('message:send', { chatId: randomUUID(), clientMsgId: 'x', body: 'no chat' })),
    ).toBe('not_found');

    // Edits and reactions neither (a chat check: before the seq's); deleting one's own stays allowed.
    expect(codeOf(await b.emitAck<Ack>('message:edit', { chatId: chat.id, seq: 2, body: 'edited' }))).toBe('forbidden');
    expect(codeOf(await a.emitAck<Ack>('message:react', { chatId: chat.id, seq: 2, emoji: '👍' }))).toBe('forbidden');
    expect(codeOf(await a.emitAck<Ack>('message:react', { chatId: chat.id, seq: 99, emoji: '👍' }))).toBe('forbidden');
    expect(codeOf(await a.emitAck<Ack>('message:delete', { chatId: chat.id, seq: 1 }))).toBe('ok');

    for (const [url, user] of [
      [gw1, alice],
      [gw2, bob],
    ] as const) {
      const history = await http<HistoryPage>(url, 'GET', `/v1/chats/${chat.id}/messages`, { token: user.token });
      expect(history.status).toBe(200);
      expect(history.body.messages.map((m) => m.body)).toEqual(['', 'two']);
    }

    // Unblocked (on the other gateway): both write again, seqs stay gapless.
    expect((await unblock(gw1, alice, bob.user.id)).status).toBe(204);
    expect((await send(b, chat.id, 'three')).seq).toBe(3);
    expect((await send(a, chat.id, 'four')).seq).toBe(4);

    // Bob blocking Alice blocks both ways too.
    expect((await block(gw1, bob, alice.user.id)).status).toBe(201);
    expect(codeOf(await sendAck(a, 'no'))).toBe('forbidden');
    expect(codeOf(await sendAck(b, 'no'))).toBe('forbidden');
  });

  it('presence: subscribing to a blocker is forbidden, and an existing watch stops on every gateway', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const carol = await registerUser(stack.authUrl, 'carol');
    await createChat(gw1, alice, { type: 'group', title: 'p', memberIds: [bob.user.id, carol.user.id] });
    const a = await connect(gw1, alice);
    const b = await connect(gw2, bob);
    const c = await connect(gw1, carol);

    const subscribe = (s: TestSocket, userIds: string[]) =>
      s.emitAck<Ack & { presence?: PresenceState[] }>('presence:subscribe', { userIds });
    expect(codeOf(await subscribe(b, [alice.user.id, carol.user.id]))).toBe('ok');
    expect(codeOf(await subscribe(c, [alice.user.id]))).toBe('ok');
    // Before the block, Bob still sees Alice (a control for what follows).
    expect(codeOf(await subscribe(a, [bob.user.id]))).toBe('ok');

    expect((await block(gw1, alice, bob.user.id)).status).toBe(201);
    expect(codeOf(await subscribe(b, [alice.user.id]))).toBe('forbidden');
    expect(codeOf(await subscribe(b, [carol.user.id, alice.user.id]))).toBe('forbidden');
    expect(codeOf(await subscribe(b, [carol.user.id]))).toBe('ok');
    // Only the blocker is hidden: Alice may still watch Bob.
    expect(codeOf(await subscribe(a, [bob.user.id]))).toBe('ok');
    // invalid comes first
    expect(codeOf(await subscribe(b, ['nope']))).toBe('invalid');

    // Alice goes offline: Carol hears of it, Bob does not. Then Carol goes offline: Bob hears of
    // that, after where Alice's event would have been (one presence publisher, in order).
    a.close();
    await c.waitFor<PresenceState>('presence', (p) => p.userId === alice.user.id && !p.online);
    c.close();
    await b.waitFor<PresenceState>('presence', (p) => p.userId === carol.user.id && !p.online);
    expect(b.events<PresenceState>('presence').filter((p) => p.userId === alice.user.id)).toEqual([]);
  });

  it('typing does not cross a block in a direct chat, either way (caches on both gateways dropped); groups unaffected', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const direct = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const group = await createChat(gw1, alice, { type: 'group', title: 't', memberIds: [bob.user.id] });
    const a = await connect(gw1, alice);
    const b = await connect(gw2, bob);
    const typing = (s: TestSocket, chatId: string, isTyping: boolean) => s.emitAck<Ack>('typing', { chatId, isTyping });

    // Before: typing flows in the direct chat (and each gateway caches "no block" for the pair).
    expect(codeOf(await typing(a, direct.id, true))).toBe('ok');
    await b.waitFor<Typing>('typing', (t) => t.chatId === direct.id && t.userId === alice.user.id);
    expect(codeOf(await typing(b, direct.id, true))).toBe('ok');
    await a.waitFor<Typing>('typing', (t) => t.chatId === direct.id && t.userId === bob.user.id);

    // Blocked through the OTHER gateways' HTTP, so each socket's gateway learns it by broadcast.
    expect((await block(gw2, alice, bob.user.id)).status).toBe(201);
    expect(codeOf(await typing(a, direct.id, false))).toBe('ok');
    expect(codeOf(await typing(b, direct.id, false))).toBe('ok');
    // The group after it, on the same path: when it arrives, the direct one would have.
    expect(codeOf(await typing(a, group.id, true))).toBe('ok');
    expect(codeOf(await typing(b, group.id, true))).toBe('ok');
    await b.waitFor<Typing>('typing', (t) => t.chatId === group.id && t.userId === alice.user.id);
    await a.waitFor<Typing>('typing', (t) => t.chatId === group.id && t.userId === bob.user.id);
    expect(b.events<Typing>('typing').filter((t) => t.chatId === direct.id)).toEqual([
      { chatId: direct.id, userId: alice.user.id, isTyping: true },
    ]);
    expect(a.events<Typing>('typing').filter((t) => t.chatId === direct.id)).toEqual([
      { chatId: direct.id, userId: bob.user.id, isTyping: true },
    ]);

    // Unblocked through gw1: typing flows again.
    expect((await unblock(gw1, alice, bob.user.id)).status).toBe(204);
    expect(codeOf(await typing(b, direct.id, true))).toBe('ok');
    await a.waitForCount<Typing>('typing', 2, (t) => t.chatId === direct.id);
  });

  it('devices: at most 10 connections per user on all gateways together; the 11th gets rate_limited', async () => {
    const erin = await registerUser(stack.authUrl, 'erin');
    const opened = await Promise.all(
      Array.from({ length: 10 }, (_, i) => connect(i % 2 ? gw2 : gw1, erin).then((s) => s.socket.connected)),
    );
    expect(opened).toEqual(Array(10).fill(true));
    const refused = async (url: string) =>
      connect(url, erin).then(
        () => 'connected',
        (err: Error) => err.message,
      );
    expect(await refused(gw1)).toBe('rate_limited');
    expect(await refused(gw2)).toBe('rate_limited');
    // Other users are not affected.
    expect((await connect(gw1, await registerUser(stack.authUrl, 'frank'))).socket.connected).toBe(true);
  });

  it('devices: 20 connects at once over two gateways let exactly 10 through', async () => {
    const gina = await registerUser(stack.authUrl, 'gina');
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        connect(i % 2 ? gw2 : gw1, gina).then(
          () => 'connected',
          (err: Error) => err.message,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'connected')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 'rate_limited')).toHaveLength(10);
  });

  it('chat:new and chat:updated carry the first 32 members by joinedAt plus memberCount; GET has all 40', async () => {
    const users = await Promise.all(Array.from({ length: 40 }, (_, i) => registerUser(stack.authUrl, `m${i}`)));
    const [owner, ...rest] = users;
    const o = await connect(gw1, owner);
    const last = await connect(gw2, rest[rest.length - 1]);
    const chat = await createChat(gw1, owner, {
      type: 'group',
      title: 'forty',
      memberIds: rest.map((u) => u.user.id),
    });
    expect(chat.members).toHaveLength(40);
    const full = await http<Chat>(gw2, 'GET', `/v1/chats/${chat.id}`, { token: rest[5].token });
    expect(full.body.members).toHaveLength(40);

    for (const s of [o, last]) {
      const created = await s.waitFor<ChatEvent>('chat:new', (c) => c.id === chat.id);
      expect(created.memberCount).toBe(40);
      expect(created.members).toEqual(full.body.members.slice(0, 32));
    }

    const renamed = await http<Chat>(gw1, 'PATCH', `/v1/chats/${chat.id}`, {
      token: owner.token,
      body: { title: 'still forty' },
    });
    expect(renamed.body.members).toHaveLength(40);
    for (const s of [o, last]) {
      const updated = await s.waitFor<ChatEvent>('chat:updated', (c) => c.id === chat.id);
      expect(updated).toMatchObject({ title: 'still forty', memberCount: 40 });
      expect(updated.members).toEqual(full.body.members.slice(0, 32));
    }

    // A member added later: its chat:new and the others' chat:updated are bounded the same way.
    const late = await registerUser(stack.authUrl, 'late');
    const l = await connect(gw2, late);
    await http(gw2, 'POST', `/v1/chats/${chat.id}/members`, { token: owner.token, body: { userIds: [late.user.id] } });
    const joined = await l.waitFor<ChatEvent>('chat:new', (c) => c.id === chat.id);
    expect([joined.members.length, joined.memberCount]).toEqual([32, 41]);
    expect(joined.members.some((m) => m.userId === late.user.id)).toBe(false);
    const grown = await o.waitFor<ChatEvent>('chat:updated', (c) => c.id === chat.id && c.memberCount === 41);
    expect(grown.members).toHaveLength(32);
  });
});
