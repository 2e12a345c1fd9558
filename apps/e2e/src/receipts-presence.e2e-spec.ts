import type { Chat, ChatSummary, Message, MessageReceipt, PresenceState, Receipt } from '@parley/contracts';
import { http, registerUser, TestSocket, TestStack, type TestUser } from '@parley/shared/testing';
import { createChat, send, sleep, redisDeployments, useStack } from './support';

/** Issue 4: receipts as watermarks, presence and last seen, typing. */
describe.each(redisDeployments)('receipts, presence, typing (two gateways, $kind)', ({ redisCluster }) => {
  let stack: TestStack;
  let gw1: string;
  let gw2: string;
  const connect = useStack({ label: 'receipts', gateways: 2, redisCluster }, (s) => {
    stack = s;
    [gw1, gw2] = s.gatewayUrls;
  });

  it('1:1: delivered then read reach the sender; watermarks never move back; clamped to lastSeq', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice);
    const b = await connect(gw2, bob);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    for (let i = 1; i <= 3; i++) await send(a, chat.id, `m${i}`);
    await b.waitForCount<Message>('message:new', 3, (m) => m.chatId === chat.id);

    expect(await b.emitAck('message:delivered', { chatId: chat.id, upToSeq: 3 })).toEqual({
      ok: true,
      eventSeq: expect.any(Number),
    });
    const delivered = await a.waitFor<Receipt>('receipt', (r) => r.type === 'delivered' && r.chatId === chat.id);
    expect(delivered).toMatchObject({ chatId: chat.id, userId: bob.user.id, type: 'delivered', upToSeq: 3 });

    expect(await b.emitAck('message:read', { chatId: chat.id, upToSeq: 2 })).toEqual({
      ok: true,
      eventSeq: expect.any(Number),
    });
    const read = await a.waitFor<Receipt>('receipt', (r) => r.type === 'read');
    expect(read).toMatchObject({ userId: bob.user.id, type: 'read', upToSeq: 2 });

    // Lower: accepted, ignored, nothing fanned out.
    expect(await b.emitAck('message:read', { chatId: chat.id, upToSeq: 1 })).toEqual({ ok: true });
    // Above lastSeq: clamped to 3.
    expect(await b.emitAck('message:read', { chatId: chat.id, upToSeq: 999 })).toEqual({
      ok: true,
      eventSeq: expect.any(Number),
    });
    await a.waitFor<Receipt>('receipt', (r) => r.type === 'read' && r.upToSeq === 3);
    await sleep(300);
    const reads = a
      .events<Receipt>('receipt')
      .filter((r) => r.type === 'read')
      .map((r) => r.upToSeq);
    expect(reads).toEqual([2, 3]);
    // Receipts go to the other members, not to the reader.
    expect(b.events('receipt')).toEqual([]);
    // Sending does not move the sender's own watermarks.
    const list = await http<ChatSummary[]>(gw1, 'GET', '/v1/chats', { token: alice.token });
    expect(list.body.find((c) => c.id === chat.id)?.unreadCount).toBe(0);
  });

  it('group of 4: the sender can tell delivered to all and read by all; receipt times', async () => {
    const users = await Promise.all([0, 1, 2, 3].map((i) => registerUser(stack.authUrl, `r${i}`)));
    const socks = await Promise.all(users.map((u, i) => connect(i % 2 ? gw2 : gw1, u)));
    const chat = await createChat(gw1, users[0], {
      type: 'group',
      title: 'receipts',
      memberIds: users.slice(1).map((u) => u.user.id),
    });
    await Promise.all(socks.map((s) => s.waitFor<Chat>('chat:new', (c) => c.id === chat.id)));
    const m = await send(socks[0], chat.id, 'did you get this?');

    const before = new Date().toISOString();
    for (const i of [1, 2, 3]) await socks[i].emitAck('message:delivered', { chatId: chat.id, upToSeq: m.seq });
    const delivered = await socks[0].waitForCount<Receipt>(
      'receipt',
      3,
      (r) => r.type === 'delivered' && r.chatId === chat.id,
    );
    expect(new Set(delivered.map((r) => r.userId))).toEqual(new Set(users.slice(1).map((u) => u.user.id)));
    expect(delivered.every((r) => r.upToSeq >= m.seq)).toBe(true);

    let receipts = await http<MessageReceipt[]>(gw2, 'GET', `/v1/chats/${chat.id}/messages/${m.seq}/receipts`, {
      token: users[0].token,
    });
    expect(receipts.status).toBe(200);
    expect(receipts.body.map((r) => r.userId).sort()).toEqual(
      users
        .slice(1)
        .map((u) => u.user.id)
        .sort(),
    );
    expect(receipts.body.every((r) => r.deliveredAt !== null && r.readAt === null)).toBe(true);
    expect(receipts.body.every((r) => (r.deliveredAt as string) >= before.slice(0, 19))).toBe(true);

    await socks[1].emitAck('message:read', { chatId: chat.id, upToSeq: m.seq });
    await socks[2].emitAck('message:read', { chatId: chat.id, upToSeq: m.seq });
    receipts = await http<MessageReceipt[]>(gw2, 'GET', `/v1/chats/${chat.id}/messages/${m.seq}/receipts`, {
      token: users[0].token,
    });
    const readBy = receipts.body
      .filter((r) => r.readAt !== null)
      .map((r) => r.userId)
      .sort();
    expect(readBy).toEqual([users[1].user.id, users[2].user.id].sort());
    // Not read by all yet; then it is.
    await socks[3].emitAck('message:read', { chatId: chat.id, upToSeq: m.seq });
    await socks[0].waitForCount<Receipt>('receipt', 3, (r) => r.type === 'read' && r.chatId === chat.id);
    // A later delivered ack does not change when the watermark first reached seq.
    const firstDelivered = receipts.body.find((r) => r.userId === users[1].user.id)?.deliveredAt;
    await send(socks[0], chat.id, 'second');
    await socks[1].emitAck('message:delivered', { chatId: chat.id, upToSeq: 2 });
    receipts = await http<MessageReceipt[]>(gw1, 'GET', `/v1/chats/${chat.id}/messages/${m.seq}/receipts`, {
      token: users[2].token,
    });
    expect(receipts.body.find((r) => r.userId === users[1].user.id)?.deliveredAt).toBe(firstDelivered);
    // Strangers cannot look.
    const stranger = await registerUser(stack.authUrl, 'x');
    expect((await http(gw1, 'GET', `/v1/chats/${chat.id}/messages/1/receipts`, { token: stranger.token })).status).toBe(
      403,
    );
  });

  it('unreadCount falls as read moves, and counts only messages by others', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice);
    const b = await connect(gw2, bob);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    for (let i = 0; i < 4; i++) await send(a, chat.id, `a${i}`);
    await send(b, chat.id, 'b0');
    const unread = async () =>
      (await http<ChatSummary[]>(gw2, 'GET', '/v1/chats', { token: bob.token })).body.find((c) => c.id === chat.id);
    expect((await unread())?.unreadCount).toBe(4);
    expect((await unread())?.lastMessage?.body).toBe('b0');
    await b.emitAck('message:read', { chatId: chat.id, upToSeq: 2 });
    expect((await unread())?.unreadCount).toBe(2);
    await b.emitAck('message:read', { chatId: chat.id, upToSeq: 5 });
    expect((await unread())?.unreadCount).toBe(0);
  });

  it('presence: strangers forbidden; online and offline with last seen, across gateways', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const stranger = await registerUser(stack.authUrl, 'stranger');
    const a = await connect(gw1, alice);
    await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });

    const denied = await a.emitAck('presence:subscribe', { userIds: [bob.user.id, stranger.user.id] });
    expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const sub = await a.emitAck<{ ok: boolean; presence: PresenceState[] }>('presence:subscribe', {
      userIds: [bob.user.id],
    });
    expect(sub).toEqual({ ok: true, presence: [{ userId: bob.user.id, online: false, lastSeenAt: null }] });

    const b = await TestSocket.connect(gw2, bob.token);
    expect(await a.waitFor<PresenceState>('presence', (p) => p.userId === bob.user.id && p.online)).toEqual({
      userId: bob.user.id,
      online: true,
      lastSeenAt: null,
    });
    const b2 = await TestSocket.connect(gw1, bob.token);
    b.close();
    await sleep(500);
    // Still online through the second connection.
    expect(a.events<PresenceState>('presence').filter((p) => p.userId === bob.user.id && !p.online)).toEqual([]);
    b2.close();
    const offline = await a.waitFor<PresenceState>('presence', (p) => p.userId === bob.user.id && !p.online);
    expect(offline.lastSeenAt).not.toBeNull();
    expect(Date.now() - new Date(offline.lastSeenAt as string).getTime()).toBeLessThan(10_000);
  });

  it('typing reaches the other members, not the typist, and is not stored', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a1 = await connect(gw1, alice);
    const a2 = await connect(gw2, alice);
    const b = await connect(gw2, bob);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    expect(await a1.emitAck('typing', { chatId: chat.id, isTyping: true })).toEqual({ ok: true });
    expect(await b.waitFor('typing')).toEqual({ chatId: chat.id, userId: alice.user.id, isTyping: true });
    await sleep(300);
    expect(a1.events('typing')).toEqual([]);
    expect(a2.events('typing')).toEqual([]);
    const history = await http<{ messages: Message[] }>(gw1, 'GET', `/v1/chats/${chat.id}/messages`, {
      token: bob.token,
    });
    expect(history.body.messages).toEqual([]);
    const stranger = await registerUser(stack.authUrl, 'x');
    const s = await connect(gw1, stranger);
    expect(await s.emitAck('typing', { chatId: chat.id, isTyping: true })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });

  it('a gateway killed with SIGKILL: its users are shown offline within 30 s, with last seen', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice);
    await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const b = await TestSocket.connect(gw2, bob.token);
    await a.emitAck('presence:subscribe', { userIds: [bob.user.id] });
    await a.waitFor<PresenceState>('presence', (p) => p.userId === bob.user.id && p.online).catch(() => undefined);

    const killedAt = Date.now();
    await stack.supervisor.kill(stack.gatewayNames()[1], 'SIGKILL');
    const offline = await a.waitFor<PresenceState>('presence', (p) => p.userId === bob.user.id && !p.online, 35_000);
    const took = Date.now() - killedAt;
    expect(took).toBeLessThanOrEqual(30_000);
    expect(offline.lastSeenAt).not.toBeNull();
    b.close();
    await stack.supervisor.waitReady(60_000);
  }, 90_000);
});
