import { randomUUID } from 'node:crypto';
import type { Chat, HistoryPage, Message } from '@parley/contracts';
import { http, registerUser, TestSocket, TestStack, type TestUser } from '@parley/shared/testing';
import { Client } from 'pg';
import { createChat, messagesOf, send, sleep, redisDeployments, useStack } from './support';

/** Issue 3: one-on-one and group chat end to end, over two gateway instances. */
describe.each(redisDeployments)('messaging core (real stack, two gateways, $kind)', ({ redisCluster }) => {
  let stack: TestStack;
  let gw1: string;
  let gw2: string;
  const connectTo = useStack({ label: 'messaging', gateways: 2, redisCluster }, (s) => {
    stack = s;
    [gw1, gw2] = s.gatewayUrls;
  });
  const connect = (url: string, user: TestUser, transports?: ('websocket' | 'polling')[]) =>
    connectTo(url, user, { transports });

  it('accepts auth tokens at the gateway and rejects bad ones', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    expect((await http(gw1, 'GET', '/v1/chats', { token: alice.token })).status).toBe(200);
    const [h, p, s] = alice.token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: randomUUID() })).toString('base64url')}.${s}`;
    const res = await http<{ error: { code: string } }>(gw1, 'GET', '/v1/chats', { token: tampered });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    await expect(TestSocket.connect(gw1, tampered)).rejects.toThrow('unauthorized');
    await expect(TestSocket.connect(gw1, '')).rejects.toThrow('unauthorized');
  });

  it("direct chat: unique per pair, both directions, the sender's other connection gets its own message", async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a1 = await connect(gw1, alice);
    const a2 = await connect(gw2, alice);
    const b = await connect(gw2, bob);

    const created = await http<Chat>(gw1, 'POST', '/v1/chats', {
      token: alice.token,
      body: { type: 'direct', memberIds: [bob.user.id] },
    });
    expect(created.status).toBe(201);
    const chat = created.body;
    expect(chat).toMatchObject({ type: 'direct', title: null, lastSeq: 0 });
    expect(chat.members.map((m) => m.userId).sort()).toEqual([alice.user.id, bob.user.id].sort());
    const again = await http<Chat>(gw2, 'POST', '/v1/chats', {
      token: bob.token,
      body: { type: 'direct', memberIds: [alice.user.id] },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(chat.id);
    await b.waitFor<Chat>('chat:new', (c) => c.id === chat.id);
    await a1.waitFor<Chat>('chat:new', (c) => c.id === chat.id);

    const m1 = await send(a1, chat.id, 'hi bob 👋');
    expect(m1).toMatchObject({ chatId: chat.id, seq: 1, senderId: alice.user.id, body: 'hi bob 👋' });
    expect(await b.waitFor<Message>('message:new', (m) => m.id === m1.id)).toEqual(m1);
    expect(await a2.waitFor<Message>('message:new', (m) => m.id === m1.id)).toEqual(m1);

    const m2 = await send(b, chat.id, 'hi alice');
    expect(m2.seq).toBe(2);
    expect(await a1.waitFor<Message>('message:new', (m) => m.id === m2.id)).toEqual(m2);
    await sleep(200);
    // The sending connection has its answer in the ack only.
    expect(messagesOf(a1, chat.id).map((m) => m.seq)).toEqual([2]);
    expect(messagesOf(b, chat.id).map((m) => m.seq)).toEqual([1]);
  });

  it('rejects a direct chat with oneself (invalid) and unknown members (not_found)', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const self = await http<{ error: { code: string } }>(gw1, 'POST', '/v1/chats', {
      token: alice.token,
      body: { type: 'direct', memberIds: [alice.user.id] },
    });
    expect(self.status).toBe(400);
    expect(self.body.error.code).toBe('invalid');
    const ghost = await http<{ error: { code: string } }>(gw1, 'POST', '/v1/chats', {
      token: alice.token,
      body: { type: 'group', title: 'x', memberIds: [randomUUID()] },
    });
    expect(ghost.status).toBe(404);
    expect(ghost.body.error.code).toBe('not_found');
    const noTitle = await http<{ error: { code: string; message: string } }>(gw1, 'POST', '/v1/chats', {
      token: alice.token,
      body: { type: 'group', memberIds: [] },
    });
    expect(noTitle.status).toBe(400);
    expect(noTitle.body.error.message).toContain('title');
  });

  it('group of 5 over two gateways: chat:new to all, every member gets every message', async () => {
    const users = await Promise.all([0, 1, 2, 3, 4].map((i) => registerUser(stack.authUrl, `g${i}`)));
    const socks = await Promise.all(users.map((u, i) => connect(i % 2 === 0 ? gw1 : gw2, u)));
    const chat = await createChat(gw1, users[0], {
      type: 'group',
      title: 'Team ✨',
      memberIds: users.slice(1).map((u) => u.user.id),
    });
    expect(chat.members.find((m) => m.userId === users[0].user.id)?.role).toBe('admin');
    await Promise.all(socks.map((s) => s.waitFor<Chat>('chat:new', (c) => c.id === chat.id)));

    const sent = await send(socks[3], chat.id, 'hello team');
    for (const [i, s] of socks.entries()) {
      if (i === 3) continue;
      expect(await s.waitFor<Message>('message:new', (m) => m.id === sent.id)).toEqual(sent);
    }
  });

  it('200 concurrent sends from 4 senders: seqs exactly 1..200, every member receives all in order', async () => {
    const users = await Promise.all([0, 1, 2, 3].map((i) => registerUser(stack.authUrl, `c${i}`)));
    const socks = await Promise.all(users.map((u, i) => connect(i < 2 ? gw1 : gw2, u)));
    const chat = await createChat(gw1, users[0], {
      type: 'group',
      title: 'burst',
      memberIds: users.slice(1).map((u) => u.user.id),
    });
    await Promise.all(socks.map((s) => s.waitFor<Chat>('chat:new', (c) => c.id === chat.id)));

    const acks = await Promise.all(
      Array.from({ length: 200 }, (_, i) => send(socks[i % 4], chat.id, `burst ${i}`, `burst-${i}`)),
    );
    expect(acks.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));

    for (const [i, s] of socks.entries()) {
      const own = acks.filter((m) => m.senderId === users[i].user.id).length;
      const got = await s.waitForCount<Message>('message:new', 200 - own, (m) => m.chatId === chat.id, 20_000);
      const seqs = got.map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.length).toBe(200 - own);
    }
    const history = await http<HistoryPage>(gw2, 'GET', `/v1/chats/${chat.id}/messages?after=0&limit=100`, {
      token: users[2].token,
    });
    expect(history.body.messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(history.body.hasMore).toBe(true);
  });

  it('a resend of the same clientMsgId returns the stored original and fans out nothing', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice);
    const b = await connect(gw2, bob);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const first = await send(a, chat.id, 'original', 'same-id');
    const second = await send(a, chat.id, 'different body', 'same-id');
    expect(second).toEqual(first);
    await b.waitFor<Message>('message:new', (m) => m.id === first.id);
    const third = await send(a, chat.id, 'next', 'next-id');
    expect(third.seq).toBe(2);
    await b.waitFor<Message>('message:new', (m) => m.id === third.id);
    expect(messagesOf(b, chat.id).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('a non-member can neither write nor read; unknown chats are not_found', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const mallory = await registerUser(stack.authUrl, 'mallory');
    const m = await connect(gw2, mallory);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const denied = await m.emitAck('message:send', { chatId: chat.id, clientMsgId: 'x', body: 'let me in' });
    expect(denied).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    expect((await http(gw1, 'GET', `/v1/chats/${chat.id}/messages`, { token: mallory.token })).status).toBe(403);
    expect((await http(gw1, 'GET', `/v1/chats/${chat.id}`, { token: mallory.token })).status).toBe(403);
    const unknown = randomUUID();
    expect((await m.emitAck('message:send', { chatId: unknown, clientMsgId: 'x', body: 'hi' })).error?.code).toBe(
      'not_found',
    );
    expect((await http(gw1, 'GET', `/v1/chats/${unknown}`, { token: mallory.token })).status).toBe(404);
    // The rejected send burned no seq.
    const a = await connect(gw1, alice);
    expect((await send(a, chat.id, 'first')).seq).toBe(1);
  });

  it('pagination: latest page, before, after, limits and bad cursors', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    for (let i = 1; i <= 7; i++) await send(a, chat.id, `m${i}`, `p${i}`);
    const get = (q: string) =>
      http<HistoryPage & { error?: { code: string } }>(gw1, 'GET', `/v1/chats/${chat.id}/messages${q}`, {
        token: bob.token,
      });
    const seqs = (p: HistoryPage) => p.messages.map((m) => m.seq);

    let r = await get('?limit=3');
    expect([seqs(r.body), r.body.hasMore]).toEqual([[5, 6, 7], true]);
    r = await get('?before=5&limit=3');
    expect([seqs(r.body), r.body.hasMore]).toEqual([[2, 3, 4], true]);
    r = await get('?before=2&limit=3');
    expect([seqs(r.body), r.body.hasMore]).toEqual([[1], false]);
    r = await get('?before=1');
    expect([seqs(r.body), r.body.hasMore]).toEqual([[], false]);
    r = await get('?after=0&limit=3');
    expect([seqs(r.body), r.body.hasMore]).toEqual([[1, 2, 3], true]);
    r = await get('?after=4&limit=3');
    expect([seqs(r.body), r.body.hasMore]).toEqual([[5, 6, 7], false]);
    r = await get('?after=7');
    expect([seqs(r.body), r.body.hasMore]).toEqual([[], false]);
    r = await get('?limit=100');
    expect([seqs(r.body), r.body.hasMore]).toEqual([[1, 2, 3, 4, 5, 6, 7], false]);
    r = await get('');
    expect(seqs(r.body)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.body.messages[0].body).toBe('m1');

    for (const bad of [
      '?limit=0',
      '?limit=101',
      '?limit=abc',
      '?before=0',
      '?after=-1',
      '?before=3&after=1',
      '?after=1.5',
    ]) {
      const res = await get(bad);
      expect([bad, res.status, res.body.error?.code]).toEqual([bad, 400, 'invalid']);
    }
  });

  it('answers every malformed event with ok:false invalid and keeps the socket', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const a = await connect(gw1, alice);
    const chatId = randomUUID();
    const cases: [string, unknown][] = [
      ['message:send', null],
      ['message:send', 'text'],
      ['message:send', []],
      ['message:send', {}],
      ['message:send', { chatId: 'nope', clientMsgId: 'a', body: 'b' }],
      ['message:send', { chatId, clientMsgId: '', body: 'b' }],
      ['message:send', { chatId, clientMsgId: 'x'.repeat(65), body: 'b' }],
      ['message:send', { chatId, clientMsgId: 'a', body: '' }],
      ['message:send', { chatId, clientMsgId: 'a', body: '😀'.repeat(4097) }],
      ['message:send', { chatId, clientMsgId: 'a', body: 42 }],
      ['message:delivered', { chatId, upToSeq: 0 }],
      ['message:delivered', { chatId, upToSeq: 1.5 }],
      ['message:read', { chatId, upToSeq: '3' }],
      ['message:read', { chatId }],
      ['typing', { chatId, isTyping: 'yes' }],
      ['presence:subscribe', { userIds: 'x' }],
      ['presence:subscribe', { userIds: ['not-a-uuid'] }],
      ['presence:subscribe', { userIds: [] }],
    ];
    for (const [event, payload] of cases) {
      const ack = await a.emitAck(event, payload);
      expect([event, payload, ack.ok, ack.error?.code]).toEqual([event, payload, false, 'invalid']);
    }
    // 4096 code points of astral characters is allowed (8192 UTF-16 units).
    const bob = await registerUser(stack.authUrl, 'bob');
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    expect((await send(a, chat.id, '😀'.repeat(4096))).body.length).toBe(8192);
    expect(a.socket.connected).toBe(true);
  });

  it('works over HTTP long-polling too', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice, ['polling']);
    const b = await connect(gw2, bob, ['polling']);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const m = await send(a, chat.id, 'over polling');
    expect(await b.waitFor<Message>('message:new', (x) => x.id === m.id)).toEqual(m);
  });

  it('routes, never broadcasts: a gateway holding none of the members receives nothing', async () => {
    const metric = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('parley_gateway_deliveries_received_total'));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice);
    const b = await connect(gw1, bob);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    await sleep(300);
    const before2 = await metric(gw2);
    for (let i = 0; i < 10; i++) await send(a, chat.id, `local ${i}`);
    await b.waitForCount('message:new', 10, (m: Message) => m.chatId === chat.id);
    expect(await metric(gw2)).toBe(before2);

    // ...and a gateway that holds a recipient receives exactly its share.
    const b2 = await connect(gw2, bob);
    await sleep(300);
    const mid2 = await metric(gw2);
    await send(a, chat.id, 'to both gateways');
    await b2.waitFor<Message>('message:new', (m) => m.body === 'to both gateways');
    expect(await metric(gw2)).toBe(mid2 + 1);
  });

  it('stores bodies encrypted, spread over the hash partitions', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const a = await connect(gw1, alice);
    const marker = `secret-${randomUUID()}`;
    for (let i = 0; i < 12; i++) {
      const other = await registerUser(stack.authUrl, 'p');
      const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [other.user.id] });
      await send(a, chat.id, `${marker} ${i}`);
    }
    const pg = new Client({ connectionString: stack.env.DATABASE_URL });
    await pg.connect();
    try {
      const parts = await pg.query<{ part: string; n: string }>(
        `SELECT tableoid::regclass::text AS part, count(*) AS n FROM message_store.messages GROUP BY 1`,
      );
      expect(parts.rows.length).toBeGreaterThanOrEqual(2);
      expect(parts.rows.every((r) => /messages_p\d+$/.test(r.part))).toBe(true);
      const clear = await pg.query(
        `SELECT count(*)::int AS n FROM message_store.messages WHERE position(convert_to($1, 'UTF8') in body_ciphertext) > 0`,
        [marker],
      );
      expect(clear.rows[0].n).toBe(0);
      const dump = await pg.query(`SELECT * FROM message_store.messages`);
      expect(JSON.stringify(dump.rows)).not.toContain(marker);
    } finally {
      await pg.end();
    }
  });
});
