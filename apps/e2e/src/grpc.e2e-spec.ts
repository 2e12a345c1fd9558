import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Message, PresenceState, Receipt } from '@parley/contracts';
import {
  eventually,
  grpcHealthCheck,
  http,
  registerUser,
  TestGrpcClient,
  TestSocket,
  TestStack,
  type TestUser,
} from '@parley/shared/testing';
import { AccessTokenSigner } from '@parley/shared/util-auth';
import { createChat, send } from './support';

/**
 * The gRPC edge (parley.v1.ChatGateway/Connect, docs/protocol.md "gRPC") against a real stack of
 * two gateways: the same connection as a Socket.IO socket (auth, limits, presence, fan-out,
 * replay, event stream), spoken in frames and call statuses.
 */
describe('gRPC edge (real stack, two gateways)', () => {
  let stack: TestStack;
  let grpc1: string;
  let grpc2: string;
  let gw1: string;
  const clients: TestGrpcClient[] = [];
  const sockets: TestSocket[] = [];
  const connect = async (address: string, user: TestUser, since?: number) => {
    const c = await TestGrpcClient.connect(address, user.token, since === undefined ? {} : { since });
    clients.push(c);
    return c;
  };
  /** A call's refusal status code (the call must end before hello). */
  const refusal = async (address: string, token: string | undefined, options: { since?: string } = {}) => {
    const c = TestGrpcClient.open(address, token, options);
    clients.push(c);
    const status = await c.finished();
    return { code: GrpcStatus[status.code], hello: c.hello !== undefined };
  };
  const user = (name: string) => registerUser(stack.authUrl, name);
  const tokenFor = async (u: TestUser, ttlSeconds: number, nowSeconds?: number) => {
    const signer = await AccessTokenSigner.fromPem(stack.keys.jwtPrivatePem, {
      issuer: 'parley-auth',
      audience: 'parley',
      ttlSeconds,
    });
    return signer.sign(
      { userId: u.user.id, username: u.user.username, sessionId: `grpc-e2e-${u.user.id}` },
      nowSeconds,
    );
  };
  const sendFrame = (chatId: string, body: string, clientMsgId = `g-${Math.random().toString(36).slice(2)}`) => ({
    send: { chatId, clientMsgId, body },
  });

  beforeAll(async () => {
    stack = await TestStack.start({
      label: 'grpc',
      gateways: 2,
      // A small slow-consumer bound (64 KiB, the least allowed) so a paused client passes it
      // quickly, and replay pages that fit in it (10 messages of 4 KB).
      env: {
        MAX_CONNECTIONS_PER_USER: '3',
        RATE_LIMIT_TYPING_PER_SECOND: '1',
        SLOW_CONSUMER_MAX_BUFFER_BYTES: '65536',
        REPLAY_PAGE_SIZE: '10',
      },
    });
    [grpc1, grpc2] = stack.gatewayGrpcAddresses;
    gw1 = stack.gatewayUrl;
  }, 180_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    sockets.forEach((s) => s.close());
    await stack?.stop();
  });

  it('refuses a missing, bad or expired token with UNAUTHENTICATED, a bad parley-since with INVALID_ARGUMENT', async () => {
    const alice = await user('alice');
    const expired = await tokenFor(alice, 60, Math.floor(Date.now() / 1000) - 3600);
    expect(await refusal(grpc1, undefined)).toEqual({ code: 'UNAUTHENTICATED', hello: false });
    expect(await refusal(grpc1, 'not-a-token')).toEqual({ code: 'UNAUTHENTICATED', hello: false });
    expect(await refusal(grpc1, expired)).toEqual({ code: 'UNAUTHENTICATED', hello: false });
    for (const since of ['abc', '-1', '1.5', ''])
      expect([since, await refusal(grpc1, alice.token, { since })]).toEqual([
        since,
        { code: 'INVALID_ARGUMENT', hello: false },
      ]);
    // A bad token outranks a bad since (the protocol's error order).
    expect(await refusal(grpc1, 'not-a-token', { since: 'abc' })).toEqual({ code: 'UNAUTHENTICATED', hello: false });
  });

  it('hello first; send is acked with the stored message, which reaches the other member as message_new', async () => {
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const a = await connect(grpc1, alice);
    const b = await connect(grpc2, bob);
    expect(a.frames[0].kind).toBe('hello');
    expect(a.hello).toEqual({ userId: alice.user.id, connectionId: expect.any(String) });
    const ack = await a.request(sendFrame(chat.id, 'hi over HTTP/2', 'm1'));
    expect(ack).toMatchObject({
      ok: true,
      message: { chatId: chat.id, seq: 1, body: 'hi over HTTP/2', senderId: alice.user.id },
    });
    expect(new Date(ack.message?.createdAt ?? '').toISOString()).toBe(ack.message?.createdAt);
    const got = await b.waitFor('messageNew', (m) => m.chatId === chat.id);
    expect(got).toEqual(ack.message);
    // The sending connection has the ack, not the event.
    expect(a.events('messageNew')).toEqual([]);

    // Idempotent resend: the same clientMsgId answers the stored original.
    const again = await a.request(sendFrame(chat.id, 'a different body', 'm1'));
    expect(again).toMatchObject({ ok: true, message: { id: ack.message?.id, seq: 1, body: 'hi over HTTP/2' } });
  });

  it('acks every frame with a request_id, with the Socket.IO error codes; no ack for request_id 0', async () => {
    const [alice, bob, mallory] = await Promise.all([user('alice'), user('bob'), user('mallory')]);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const a = await connect(grpc1, alice);
    const m = await connect(grpc2, mallory);
    const codeOf = async (frame: Parameters<TestGrpcClient['request']>[0], c = a) => {
      const ack = await c.request(frame);
      return ack.ok ? 'ok' : ack.error?.code;
    };
    expect(await codeOf({})).toBe('invalid'); // no kind
    expect(await codeOf(sendFrame(chat.id, ''))).toBe('invalid'); // empty body
    expect(await codeOf(sendFrame('not-a-uuid', 'x'))).toBe('invalid');
    expect(await codeOf(sendFrame(chat.id, 'x'.repeat(4097)))).toBe('invalid');
    expect(await codeOf({ delivered: { chatId: chat.id, upToSeq: 0 } })).toBe('invalid'); // upToSeq >= 1
    expect(await codeOf({ presenceSubscribe: { userIds: [] } })).toBe('invalid');
    expect(await codeOf({ edit: { chatId: chat.id, seq: 0, body: 'x' } })).toBe('invalid');
    // An unknown chat is not_found, someone else's forbidden; an unknown message not_found.
    expect(await codeOf(sendFrame('00000000-0000-4000-8000-000000000000', 'x'))).toBe('not_found');
    expect(await codeOf(sendFrame(chat.id, 'let me in'), m)).toBe('forbidden');
    expect(await codeOf({ presenceSubscribe: { userIds: [alice.user.id] } }, m)).toBe('forbidden');
    await a.request(sendFrame(chat.id, 'first'));
    expect(await codeOf({ edit: { chatId: chat.id, seq: 99, body: 'x' } })).toBe('not_found');
    // Blocked: a send in a direct chat with a blocker is forbidden.
    expect((await http(gw1, 'POST', '/v1/blocks', { token: bob.token, body: { userId: alice.user.id } })).status).toBe(
      201,
    );
    expect(await codeOf(sendFrame(chat.id, 'blocked'))).toBe('forbidden');
    // Typing is rate limited like on Socket.IO (here 1/s, bursts of 2).
    const typing = await Promise.all(
      Array.from({ length: 6 }, () => a.request({ typing: { chatId: chat.id, isTyping: true } })),
    );
    expect(typing.map((t) => (t.ok ? 'ok' : t.error?.code))).toContain('rate_limited');
    // request_id 0: handled, never acked. The next acked frame's ack is the only new one.
    const acksBefore = a.events('ack').length;
    a.fire({ typing: { chatId: chat.id, isTyping: false } });
    a.fire({});
    await a.request({ presenceSubscribe: { userIds: [alice.user.id] } });
    await a.request({ presenceSubscribe: { userIds: [alice.user.id] } });
    expect(a.events('ack').length).toBe(acksBefore + 2);
    expect(a.events('ack').filter((x) => x.requestId === 0)).toEqual([]);
  });

  it('receipts, typing and presence reach the other member as frames', async () => {
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const a = await connect(grpc1, alice);
    const sub = await a.request({ presenceSubscribe: { userIds: [bob.user.id] } });
    expect(sub).toMatchObject({ ok: true, presence: [{ userId: bob.user.id, online: false }] });
    const b = await connect(grpc2, bob);
    await a.waitFor('presence', (p) => p.userId === bob.user.id && p.online);
    const sent = await a.request(sendFrame(chat.id, 'read me'));
    await b.waitFor('messageNew', (msg) => msg.chatId === chat.id);
    expect(await b.request({ delivered: { chatId: chat.id, upToSeq: 1 } })).toMatchObject({ ok: true });
    expect(await b.request({ read: { chatId: chat.id, upToSeq: sent.message?.seq ?? 0 } })).toMatchObject({ ok: true });
    const receipts = await a.waitForCount('receipt', 2, (r) => r.chatId === chat.id);
    expect(receipts.map((r) => [r.userId, r.type, r.upToSeq])).toEqual([
      [bob.user.id, 'delivered', 1],
      [bob.user.id, 'read', 1],
    ]);
    expect(await b.request({ typing: { chatId: chat.id, isTyping: true } })).toEqual(
      expect.objectContaining({ ok: true }),
    );
    expect(await a.waitFor('typing')).toEqual({ chatId: chat.id, userId: bob.user.id, isTyping: true });
    b.close();
    const offline = await a.waitFor('presence', (p) => p.userId === bob.user.id && !p.online);
    expect(offline.lastSeenAt).toEqual(expect.any(String));
  });

  it('edit, delete and react: acked with the message, the other member gets message_updated', async () => {
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const chat = await createChat(gw1, alice, { type: 'group', title: 'edits', memberIds: [bob.user.id] });
    const a = await connect(grpc1, alice);
    const b = await connect(grpc2, bob);
    await a.request(sendFrame(chat.id, 'tpyo'));
    await a.request(sendFrame(chat.id, 'second'));
    await b.waitForCount('messageNew', 2, (m) => m.chatId === chat.id);
    const edited = await a.request({ edit: { chatId: chat.id, seq: 1, body: 'typo' } });
    expect(edited).toMatchObject({ ok: true, message: { seq: 1, body: 'typo', editedAt: expect.any(String) } });
    const reacted = await b.request({ react: { chatId: chat.id, seq: 1, emoji: '👍' } });
    expect(reacted.message?.reactions).toEqual([{ userId: bob.user.id, emoji: '👍' }]);
    const unreacted = await b.request({ react: { chatId: chat.id, seq: 1 } }); // unset emoji: remove mine
    expect(unreacted.message?.reactions).toEqual([]);
    const deleted = await a.request({ delete: { chatId: chat.id, seq: 2 } });
    expect(deleted).toMatchObject({ ok: true, message: { seq: 2, deleted: true, body: '' } });
    const toBob = await b.waitForCount('messageUpdated', 2, (m) => m.chatId === chat.id);
    expect(toBob.map((m) => [m.seq, m.body, m.deleted])).toEqual([
      [1, 'typo', false],
      [2, '', true],
    ]);
    const toAlice = await a.waitForCount('messageUpdated', 2, (m) => m.chatId === chat.id);
    expect(toAlice.map((m) => m.reactions.length)).toEqual([1, 0]);
  });

  it('v1 replay on connect: messages sent while offline arrive after hello, in order', async () => {
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const a = await connect(grpc1, alice);
    for (const body of ['one', 'two', 'three']) await a.request(sendFrame(chat.id, body));
    const b = await connect(grpc2, bob);
    const replayed = await b.waitForCount('messageNew', 3, (m) => m.chatId === chat.id);
    expect(replayed.map((m) => [m.seq, m.body])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
    expect(b.frames[0].kind).toBe('hello');
  });

  it('parley-since resumes the event stream: exactly the missed events, in eventSeq order', async () => {
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const a = await connect(grpc1, alice);
    const first = await connect(grpc2, bob, 0);
    await a.request(sendFrame(chat.id, 'seen'));
    await first.waitFor('messageNew', (m) => m.body === 'seen');
    const seen = first.stream();
    expect(seen.map((e) => e.eventSeq)).toEqual(seen.map((_, i) => i + 1)); // chat_new, message_new
    const last = seen[seen.length - 1].eventSeq;
    first.close();
    await a.request(sendFrame(chat.id, 'missed 1'));
    await a.request(sendFrame(chat.id, 'missed 2'));
    await a.request({ edit: { chatId: chat.id, seq: 2, body: 'missed 1, edited' } });
    const resumed = await connect(grpc2, bob, last);
    const stream = await resumed.waitForEventSeq(last + 3);
    expect(stream.map((e) => [e.eventSeq, e.kind, (e.payload as Message).body])).toEqual([
      [last + 1, 'messageNew', expect.stringMatching(/^missed 1/)],
      [last + 2, 'messageNew', 'missed 2'],
      [last + 3, 'messageUpdated', 'missed 1, edited'],
    ]);
    // Caught up, then live.
    await a.request(sendFrame(chat.id, 'live'));
    expect((await resumed.waitForEventSeq(last + 4)).map((e) => e.eventSeq)).toEqual([
      last + 1,
      last + 2,
      last + 3,
      last + 4,
    ]);
  });

  it('a mixed chat: a Socket.IO and a gRPC member see the same messages, receipts, typing and presence, in the same order', async () => {
    const [alice, bob, carol] = await Promise.all([user('alice'), user('bob'), user('carol')]);
    const chat = await createChat(gw1, alice, {
      type: 'group',
      title: 'mixed',
      memberIds: [bob.user.id, carol.user.id],
    });
    const sio = await TestSocket.connect(stack.gatewayUrls[1], bob.token);
    sockets.push(sio);
    const g = await connect(grpc1, carol);
    const a = await TestSocket.connect(gw1, alice.token);
    sockets.push(a);
    await sio.emitAck('presence:subscribe', { userIds: [alice.user.id] });
    await g.request({ presenceSubscribe: { userIds: [alice.user.id] } });
    for (let i = 1; i <= 5; i++) await send(a, chat.id, `m${i}`);
    const viaSocket = await sio.waitForCount<Message>('message:new', 5, (m) => m.chatId === chat.id);
    const viaGrpc = await g.waitForCount('messageNew', 5, (m) => m.chatId === chat.id);
    const plain = (m: Message) => ({ ...m, replyToSeq: m.replyToSeq ?? undefined, editedAt: m.editedAt ?? undefined });
    expect(viaGrpc).toEqual(viaSocket.map(plain));
    await a.emitAck('message:read', { chatId: chat.id, upToSeq: 5 });
    await a.emitAck('typing', { chatId: chat.id, isTyping: true });
    const receiptsSio = await sio.waitForCount<Receipt>('receipt', 2, (r) => r.userId === alice.user.id);
    const receiptsGrpc = await g.waitForCount('receipt', 2, (r) => r.userId === alice.user.id);
    expect(receiptsGrpc).toEqual(receiptsSio);
    expect(await g.waitFor('typing')).toEqual(await sio.waitFor('typing'));
    a.close();
    const offSio = await sio.waitFor<PresenceState>('presence', (p) => !p.online);
    const offGrpc = await g.waitFor('presence', (p) => !p.online);
    expect(offGrpc).toEqual(offSio);
    // And the other way: the gRPC member's send reaches the Socket.IO member.
    const ack = await g.request(sendFrame(chat.id, 'from gRPC'));
    expect(await sio.waitFor<Message>('message:new', (m) => m.body === 'from gRPC')).toEqual({
      ...ack.message,
      replyToSeq: null,
      editedAt: null,
    });
  });

  it('the per-user connection cap counts both edges on every gateway: RESOURCE_EXHAUSTED', async () => {
    const alice = await user('alice');
    sockets.push(await TestSocket.connect(gw1, alice.token));
    await connect(grpc1, alice);
    await connect(grpc2, alice);
    expect(await refusal(grpc2, alice.token)).toEqual({ code: 'RESOURCE_EXHAUSTED', hello: false });
    await expect(TestSocket.connect(gw1, alice.token)).rejects.toThrow('rate_limited');
  });

  it('a token that expires mid-stream ends the call with UNAUTHENTICATED', async () => {
    const alice = await user('alice');
    const c = await connect(grpc1, { ...alice, token: await tokenFor(alice, 4) });
    const status = await c.finished(15_000);
    expect(GrpcStatus[status.code]).toBe('UNAUTHENTICATED');
  });

  it('a logout ends the calls of that session with UNAUTHENTICATED', async () => {
    const alice = await user('alice');
    const c = await connect(grpc2, alice);
    expect((await http(stack.authUrl, 'POST', '/v1/auth/logout', { token: alice.token })).status).toBe(204);
    expect(GrpcStatus[(await c.finished()).code]).toBe('UNAUTHENTICATED');
    expect(await refusal(grpc1, alice.token)).toEqual({ code: 'UNAUTHENTICATED', hello: false });
  });

  it('a frame over MAX_PAYLOAD_BYTES ends the call with RESOURCE_EXHAUSTED', async () => {
    const alice = await user('alice');
    const c = await connect(grpc1, alice);
    c.fire({ send: { chatId: alice.user.id, clientMsgId: 'big', body: 'x'.repeat(70_000) } });
    expect(GrpcStatus[(await c.finished()).code]).toBe('RESOURCE_EXHAUSTED');
  });

  it('a client that stops reading is dropped past SLOW_CONSUMER_MAX_BUFFER_BYTES; its messages wait in the store', async () => {
    const [slow, ...senders] = await Promise.all(['slow', 's1', 's2', 's3'].map((n) => user(n)));
    const chat = await createChat(gw1, senders[0], {
      type: 'group',
      title: 'firehose',
      memberIds: [slow.user.id, senders[1].user.id, senders[2].user.id],
    });
    const metric = async () => {
      const text = await (await fetch(`${stack.gatewayUrls[1]}/metrics`)).text();
      return Number(/^parley_gateway_slow_consumers_dropped_total\S* (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const droppedBefore = await metric();
    const c = await connect(grpc2, slow);
    c.call.pause(); // reads nothing more: HTTP/2 flow control holds the frames at the gateway
    const body = 'y'.repeat(4000);
    const sockets3 = await Promise.all(senders.map((s) => TestSocket.connect(gw1, s.token)));
    sockets.push(...sockets3);
    let sent = 0;
    for (let round = 0; round < 80 && (await metric()) === droppedBefore; round++) {
      await Promise.all(sockets3.map((s) => send(s, chat.id, `${round} ${body}`)));
      sent += sockets3.length;
    }
    expect(await eventually(async () => (await metric()) > droppedBefore || undefined)).toBe(true);
    c.call.resume();
    expect(GrpcStatus[(await c.finished()).code]).toBe('CANCELLED');
    expect(c.events('messageNew').length).toBeLessThan(sent);
    // Reconnected, it gets them all (the v1 replay from its delivered watermark).
    const again = await connect(grpc2, slow);
    expect((await again.waitForCount('messageNew', sent, (m) => m.chatId === chat.id, 30_000)).length).toBe(sent);
  });

  it('a half-close ends the call with OK, after the acks of the frames sent before it', async () => {
    const [alice, bob] = await Promise.all([user('alice'), user('bob')]);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const a = await connect(grpc1, alice);
    const ack = a.request(sendFrame(chat.id, 'last words'));
    a.halfClose();
    expect(await ack).toMatchObject({ ok: true, message: { body: 'last words' } });
    expect(GrpcStatus[(await a.finished()).code]).toBe('OK');
  });

  it('health: SERVING for "" and parley.v1.ChatGateway, NOT_FOUND for another service', async () => {
    expect(await grpcHealthCheck(grpc1)).toBe('SERVING');
    expect(await grpcHealthCheck(grpc2, 'parley.v1.ChatGateway')).toBe('SERVING');
    expect(await grpcHealthCheck(grpc1, 'parley.v1.Nope')).toEqual({ code: GrpcStatus.NOT_FOUND });
  });

  it('a gateway shutting down ends its calls with UNAVAILABLE', async () => {
    const alice = await user('alice');
    const c = await connect(grpc2, alice);
    await stack.supervisor.stopApp(stack.gatewayNames()[1]);
    expect(GrpcStatus[(await c.finished()).code]).toBe('UNAVAILABLE');
  });
});
