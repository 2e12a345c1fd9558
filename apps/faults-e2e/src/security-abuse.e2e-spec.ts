import { randomUUID } from 'node:crypto';
import type { Chat } from '@parley/contracts';
import { http, registerUser, TestSocket, type TestUser } from '@parley/shared/testing';
import WebSocket from 'ws';
import { FaultStack, pick, report, sleep } from './support/fault-stack';
import { mutate, nestedJson, randomString, randomValue, Rng } from './support/fuzz';
import { expectNoSecretsInLogs, sendSecretMessage } from './support/log-secrets';

interface ErrorReply {
  error?: { code: string; message: string };
}
type Ack = { ok: boolean; error?: { code: string; message: string } };

const ALLOWED_ORIGIN = 'https://app.parley.example';
const codeOf = (a: Ack) => (a.ok ? 'ok' : (a.error?.code ?? '?'));

/**
 * Issue 7, hardening 12-14: limits (rate, size, connections, origins, hostile payloads), a fuzz
 * pass over every Socket.IO event and HTTP endpoint, and a search of the run's logs for secrets.
 * The apps run with their production defaults (no limit loosened).
 */
describe('security: limits, fuzzing, logs', () => {
  let fs: FaultStack;
  let gw1: string;
  let gw2: string;
  let pidsAtStart: Record<string, number | undefined>;
  const sockets: TestSocket[] = [];
  const secrets: string[] = [];

  const user = async (prefix: string) => {
    const u = await registerUser(fs.authUrl, prefix);
    secrets.push(u.token);
    return u;
  };
  const connect = async (url: string, u: TestUser) => {
    const s = await TestSocket.connect(url, u.token);
    sockets.push(s);
    return s;
  };
  const tally = (codes: string[]) =>
    codes.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {});

  beforeAll(async () => {
    fs = await FaultStack.start({
      label: 'security-abuse',
      limits: 'production',
      env: { LOG_LEVEL: 'debug', CORS_ORIGINS: ALLOWED_ORIGIN },
    });
    [gw1, gw2] = fs.gatewayUrls;
    pidsAtStart = fs.pids();
  }, 180_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await fs?.stop();
  });

  it('12a. per-user rate limits on messages, typing and HTTP answer rate_limited to that user only', async () => {
    const [flooder, bystander, peer] = await Promise.all([user('flood'), user('calm'), user('peer')]);
    const floodChat = (
      await http<Chat>(gw1, 'POST', '/v1/chats', {
        token: flooder.token,
        body: { type: 'direct', memberIds: [peer.user.id] },
      })
    ).body;
    const calmChat = (
      await http<Chat>(gw1, 'POST', '/v1/chats', {
        token: bystander.token,
        body: { type: 'direct', memberIds: [peer.user.id] },
      })
    ).body;
    const f = await connect(gw1, flooder);
    const c = await connect(gw1, bystander);
    const p = await connect(gw2, peer);

    // Messages: 20/s sustained, bursts of 100 (docs/protocol.md defaults).
    const [flood, calm] = await Promise.all([
      Promise.all(
        Array.from(
          { length: 160 },
          (_, i) =>
            f.emitAck('message:send', { chatId: floodChat.id, clientMsgId: `f${i}`, body: 'spam' }) as Promise<Ack>,
        ),
      ),
      Promise.all(
        Array.from(
          { length: 20 },
          (_, i) =>
            c.emitAck('message:send', { chatId: calmChat.id, clientMsgId: `c${i}`, body: 'hello' }) as Promise<Ack>,
        ),
      ),
    ]);
    const floodCodes = tally(flood.map(codeOf));
    const stored = await fs.query<{ n: string; last: string }>(
      `SELECT count(*) AS n, max(seq) AS last FROM message_store.messages WHERE chat_id = $1`,
      [floodChat.id],
    );
    expect(floodCodes['rate_limited']).toBeGreaterThan(0);
    expect(Object.keys(floodCodes).sort()).toEqual(['ok', 'rate_limited']);
    expect(calm.map(codeOf)).toEqual(Array(20).fill('ok'));
    // Refused sends burn no seq.
    expect([Number(stored[0].n), Number(stored[0].last)]).toEqual([floodCodes['ok'], floodCodes['ok']]);

    // Typing: a few per second per user, whatever the number of sockets.
    const f2 = await connect(gw1, flooder);
    const typing = await Promise.all(
      Array.from(
        { length: 60 },
        (_, i) => (i % 2 ? f : f2).emitAck('typing', { chatId: floodChat.id, isTyping: true }) as Promise<Ack>,
      ),
    );
    const calmTyping = await c.emitAck('typing', { chatId: calmChat.id, isTyping: true });
    const typingCodes = tally(typing.map(codeOf));
    expect(typingCodes['rate_limited']).toBeGreaterThan(0);
    expect(calmTyping).toEqual({ ok: true });
    await sleep(500);
    const typingSeen = p.events<{ userId: string }>('typing').filter((t) => t.userId === flooder.user.id).length;
    expect(typingSeen).toBe(typingCodes['ok']);

    // HTTP: per user, after authentication, before anything reaches a service.
    const [floodHttp, calmHttp] = await Promise.all([
      Promise.all(
        Array.from({ length: 400 }, () => http<ErrorReply>(gw2, 'GET', '/v1/chats', { token: flooder.token })),
      ),
      Promise.all(
        Array.from({ length: 20 }, () => http<ErrorReply>(gw2, 'GET', '/v1/chats', { token: bystander.token })),
      ),
    ]);
    const httpCodes = tally(floodHttp.map((r) => `${r.status}${r.body?.error ? ` ${r.body.error.code}` : ''}`));
    expect(httpCodes['429 rate_limited']).toBeGreaterThan(0);
    expect(Object.keys(httpCodes).sort()).toEqual(['200', '429 rate_limited']);
    expect(calmHttp.every((r) => r.status === 200)).toBe(true);
    report({
      scenario: '12a-rate-limits',
      messages: floodCodes,
      typing: typingCodes,
      typingDelivered: typingSeen,
      http: httpCodes,
      bystanderAllOk: true,
    });
  });

  it('12d. every event has a per-user limit, one budget across both gateways: at the limit ok, one past it rate_limited', async () => {
    const [alice, bob] = await Promise.all([user('budget'), user('bpeer')]);
    const chat = (
      await http<Chat>(gw1, 'POST', '/v1/chats', {
        token: alice.token,
        body: { type: 'direct', memberIds: [bob.user.id] },
      })
    ).body;
    const b = await connect(gw2, bob);
    expect((await b.emitAck('message:send', { chatId: chat.id, clientMsgId: 'seed', body: 'hi' })).ok).toBe(true);
    // Alice on both gateways: each event's burst + 1, alternating between them, all at once.
    const [a1, a2] = [await connect(gw1, alice), await connect(gw2, alice)];
    const burst = async (event: string, n: number, payload: (i: number) => unknown) =>
      tally(
        (
          await Promise.all(
            Array.from({ length: n }, (_, i) => (i % 2 ? a2 : a1).emitAck(event, payload(i)) as Promise<Ack>),
          )
        ).map(codeOf),
      );
    // The defaults (docs/operations.md): burst of 100 sends, 10 typing, 200 delivered, 100 read, 50 presence:subscribe.
    const results = {
      'message:send': await burst('message:send', 101, (i) => ({ chatId: chat.id, clientMsgId: `b${i}`, body: 'x' })),
      typing: await burst('typing', 11, () => ({ chatId: chat.id, isTyping: true })),
      'message:delivered': await burst('message:delivered', 201, () => ({ chatId: chat.id, upToSeq: 1 })),
      'message:read': await burst('message:read', 101, () => ({ chatId: chat.id, upToSeq: 1 })),
      'presence:subscribe': await burst('presence:subscribe', 51, () => ({ userIds: [bob.user.id] })),
    };
    expect(results).toEqual({
      'message:send': { ok: 100, rate_limited: 1 },
      typing: { ok: 10, rate_limited: 1 },
      'message:delivered': { ok: 200, rate_limited: 1 },
      'message:read': { ok: 100, rate_limited: 1 },
      'presence:subscribe': { ok: 50, rate_limited: 1 },
    });
    // Bob's budgets are his own.
    expect((await b.emitAck('typing', { chatId: chat.id, isTyping: true })).ok).toBe(true);
    report({ scenario: '12d-limits-across-gateways', ...results });
  });

  it('12e. an over-limit event does no lookup: rate_limited even for an unknown chat, forbidden first only when the gateway already knows', async () => {
    const [member, other, stranger] = await Promise.all([user('known'), user('kpeer'), user('stranger')]);
    const theirChat = (
      await http<Chat>(gw1, 'POST', '/v1/chats', {
        token: member.token,
        body: { type: 'direct', memberIds: [other.user.id] },
      })
    ).body;
    const ownChat = (
      await http<Chat>(gw1, 'POST', '/v1/chats', {
        token: stranger.token,
        body: { type: 'direct', memberIds: [other.user.id] },
      })
    ).body;
    const m = await connect(gw1, member);
    const s = await connect(gw1, stranger);
    // A member's typing puts theirChat's members in gw1's membership cache.
    expect((await m.emitAck('typing', { chatId: theirChat.id, isTyping: true })).ok).toBe(true);
    // Under the limit the store decides: not_found, forbidden.
    const unknownChat = randomUUID();
    expect(codeOf((await s.emitAck('typing', { chatId: unknownChat, isTyping: true })) as Ack)).toBe('not_found');
    expect(codeOf((await s.emitAck('typing', { chatId: theirChat.id, isTyping: true })) as Ack)).toBe('forbidden');
    // Past the typing budget (10 per 2 s) in one go; the probes come last on the socket, so
    // their limit checks come last too.
    const over = (await Promise.all([
      ...Array.from({ length: 12 }, () => s.emitAck('typing', { chatId: ownChat.id, isTyping: true })),
      s.emitAck('typing', { chatId: unknownChat, isTyping: true }),
      s.emitAck('typing', { chatId: theirChat.id, isTyping: true }),
    ])) as Ack[];
    expect(over.slice(-3).map(codeOf)).toEqual(['rate_limited', 'rate_limited', 'forbidden']);
  });

  it('12b. size, connection and origin limits: the offender alone is refused or closed', async () => {
    const [alice, bob] = await Promise.all([user('big'), user('bob')]);
    const chat = (
      await http<Chat>(gw1, 'POST', '/v1/chats', {
        token: alice.token,
        body: { type: 'direct', memberIds: [bob.user.id] },
      })
    ).body;
    const bystander = await connect(gw1, bob);

    // A Socket.IO packet over maxHttpBufferSize (64 kB) closes that connection only.
    const offender = await connect(gw1, alice);
    const closed = new Promise<string>((resolve) => offender.socket.once('disconnect', (reason) => resolve(reason)));
    offender.socket.emit('message:send', { chatId: chat.id, clientMsgId: 'huge', body: 'x'.repeat(200_000) });
    const reason = await closed;
    expect(
      (await bystander.emitAck('message:send', { chatId: chat.id, clientMsgId: 'still-here', body: 'fine' })).ok,
    ).toBe(true);

    // HTTP bodies over the limit: 413 payload_too_large, at the gateway and at auth.
    const bigGw = await http<ErrorReply>(gw1, 'POST', '/v1/chats', {
      token: alice.token,
      rawBody: JSON.stringify({ type: 'group', title: 'x'.repeat(100_000), memberIds: [] }),
    });
    const bigAuth = await http<ErrorReply>(fs.authUrl, 'POST', '/v1/auth/register', {
      rawBody: JSON.stringify({ username: 'x', password: 'y'.repeat(100_000) }),
    });
    expect([bigGw.status, bigGw.body.error?.code, bigAuth.status, bigAuth.body.error?.code]).toEqual([
      413,
      'payload_too_large',
      413,
      'payload_too_large',
    ]);

    // Connections per user, on all gateways together (MAX_CONNECTIONS_PER_USER, 10 by default).
    const carol = await user('conn');
    const opened: TestSocket[] = [];
    let refusedWith = '';
    for (let i = 0; i < 15 && !refusedWith; i++) {
      await TestSocket.connect(gw2, carol.token).then(
        (s) => void opened.push(s),
        (err: Error) => (refusedWith = err.message),
      );
    }
    sockets.push(...opened);
    expect([opened.length, refusedWith]).toEqual([10, 'rate_limited']);
    const elsewhere = await TestSocket.connect(gw1, carol.token).then(
      () => 'connected',
      (err: Error) => err.message,
    );
    expect(elsewhere).toBe('rate_limited');

    // Origin allow-list for browsers (CORS_ORIGINS); native apps send no Origin.
    const handshake = async (origin?: string) =>
      (await fetch(`${gw1}/socket.io/?EIO=4&transport=polling`, { headers: origin ? { origin } : {} })).status;
    const origins = {
      allowed: await handshake(ALLOWED_ORIGIN),
      evil: await handshake('https://evil.example'),
      none: await handshake(),
    };
    expect(origins).toEqual({ allowed: 200, evil: 403, none: 200 });
    const preflight = await fetch(`${gw1}/v1/chats`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    report({
      scenario: '12b-size-connection-origin',
      oversizedPacketClosedWith: reason,
      httpTooLarge: [bigGw.status, bigAuth.status],
      connectionsPerUserPerGateway: opened.length,
      refusedWith,
      origins,
    });
  });

  it('12c. non-JSON, deeply nested and malformed payloads close nothing but the offender and crash nothing', async () => {
    const [alice, bob] = await Promise.all([user('nest'), user('bob')]);
    const chat = (
      await http<Chat>(gw1, 'POST', '/v1/chats', {
        token: alice.token,
        body: { type: 'direct', memberIds: [bob.user.id] },
      })
    ).body;
    const bystander = await connect(gw2, bob);
    const a = await connect(gw2, alice);

    // Deep nesting inside a valid packet: `invalid`, and the socket stays. (socket.io-client
    // itself recurses over what it sends, so the 30,000-level ones go out as raw frames below.)
    const deepArrays = JSON.parse(nestedJson(500)) as unknown;
    let deepObject: unknown = 'x';
    for (let i = 0; i < 500; i++) deepObject = { a: deepObject };
    const deepAcks = [
      (await a.emitAck('message:send', { chatId: deepArrays, clientMsgId: 'd', body: 'b' })) as Ack,
      (await a.emitAck('message:send', { chatId: chat.id, clientMsgId: 'd', body: 'b', extra: deepObject })) as Ack,
      (await a.emitAck('presence:subscribe', { userIds: [deepArrays] })) as Ack,
      (await a.emitAck('typing', deepArrays)) as Ack,
    ];
    expect(deepAcks.map(codeOf)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
    expect(a.socket.connected).toBe(true);

    // Raw frames. A valid packet with a 30,000-level payload is answered `invalid`; frames that
    // are not Socket.IO packets close that connection and nothing else.
    const deepFrame = await rawFrame(gw1, alice.token, `421["message:send",${nestedJson(30_000, '1')}]`);
    const deepObjectFrame = await rawFrame(
      gw1,
      alice.token,
      `422["typing",${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}]`,
    );
    expect([deepFrame, deepObjectFrame]).toEqual(['answered invalid', 'answered invalid']);
    const rawOutcomes: string[] = [];
    for (const frame of ['42not json', '42[', '4', '4999', 'garbage', '0{}', Buffer.from([0xff, 0x00, 0xfe])]) {
      rawOutcomes.push(await rawFrame(gw1, alice.token, frame));
    }
    expect(rawOutcomes.every((o) => o === 'closed by server' || o === 'ignored')).toBe(true);

    // HTTP: not JSON, deeply nested JSON, wrong content types: 400 or 415, never 500.
    const bodies: [string, string][] = [
      ['application/json', '{"type":'],
      ['application/json', nestedJson(30_000)],
      ['application/json', `{"type":"group","title":"t","memberIds":${nestedJson(30_000)}}`],
      ['application/json', `{"type":"group","title":${JSON.stringify({ a: 1 })},"memberIds":[]}`],
      ['application/json', '{"__proto__":{"admin":true},"type":"group","title":"t","memberIds":[]}'],
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'type=group&title=t'],
      ['application/json', '\u0000'],
    ];
    const statuses: number[] = [];
    for (const [type, body] of bodies) {
      statuses.push(
        (await http(gw1, 'POST', '/v1/chats', { token: alice.token, rawBody: body, headers: { 'content-type': type } }))
          .status,
      );
      statuses.push(
        (await http(fs.authUrl, 'POST', '/v1/auth/register', { rawBody: body, headers: { 'content-type': type } }))
          .status,
      );
    }
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(
      (await bystander.emitAck('message:send', { chatId: chat.id, clientMsgId: 'after', body: 'all fine' })).ok,
    ).toBe(true);
    expect(fs.pids()).toEqual(pidsAtStart);
    report({
      scenario: '12c-hostile-payloads',
      socketDeepNesting: deepAcks.map(codeOf),
      deepRawFrames: [deepFrame, deepObjectFrame],
      rawFrames: rawOutcomes,
      httpStatuses: tally(statuses.map(String)),
    });
  });

  it('14. fuzz: thousands of random and malformed payloads at every Socket.IO event and HTTP endpoint; no 500, no process exit', async () => {
    const rng = new Rng(Number(process.env['FAULTS_FUZZ_SEED'] ?? 7));
    const perKind = pick(3000, 30000);
    const users = await Promise.all(Array.from({ length: 24 }, (_, i) => user(`fz${i}`)));
    const chats = await Promise.all(
      users.slice(0, 12).map(
        async (u, i) =>
          (
            await http<Chat>(gw1, 'POST', '/v1/chats', {
              token: u.token,
              body: { type: 'group', title: `fz ${i}`, memberIds: [users[i + 12].user.id] },
            })
          ).body,
      ),
    );
    const known = [...users.map((u) => u.user.id), ...chats.map((c) => c.id), randomUUID(), randomUUID(), 'tok-fuzz'];
    const clients = await Promise.all(users.map((u, i) => connect(i % 2 ? gw1 : gw2, u)));
    const problems: string[] = [];
    const note = (p: string) => problems.length < 30 && problems.push(p);
    const logOffsets = Object.fromEntries(Object.entries(fs.appLogs()).map(([app, text]) => [app, text.length]));
    const lastSent = new Map<TestSocket, string>();
    clients.forEach((c, i) =>
      c.socket.on('disconnect', (reason) =>
        note(
          `socket ${i} (${c.socket.id}) disconnected (${reason}) at ${new Date().toISOString()} after ${lastSent.get(c)?.slice(0, 300)}`,
        ),
      ),
    );

    // Socket.IO: the five events with mutated valid payloads, random payloads, extra arguments, unknown events.
    const valid = (chatId: string, i: number): [string, Record<string, unknown>][] => [
      ['message:send', { chatId, clientMsgId: `fz-${i}`, body: `fuzz ${i}` }],
      ['message:delivered', { chatId, upToSeq: 1 + (i % 5) }],
      ['message:read', { chatId, upToSeq: 1 + (i % 5) }],
      ['typing', { chatId, isTyping: i % 2 === 0 }],
      ['presence:subscribe', { userIds: [known[i % known.length]] }],
    ];
    const socketCodes: string[] = [];
    let oversized = 0;
    for (let i = 0; i < perKind; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, perKind - i) }, async (_, j) => {
          const n = i + j;
          const s = clients[n % clients.length];
          if (!s.socket.connected) return;
          if (rng.chance(0.05)) {
            const unknown =
              rng.pick([
                'admin',
                'message:new',
                'receipt',
                '__proto__',
                'constructor',
                'toString',
                randomString(rng),
              ]) || 'x';
            const value = randomValue(rng);
            if (Buffer.byteLength(JSON.stringify([unknown, value ?? null])) < 60 * 1024) s.socket.emit(unknown, value);
            return;
          }
          const [event, valid0] = rng.pick(valid(rng.pick(chats).id, n));
          const payload = mutate(rng, valid0, known);
          const extra = rng.chance(0.1) ? [randomValue(rng)] : [];
          // Over maxHttpBufferSize the connection is closed by design (12b): those go out on a
          // throwaway socket, which must be closed, and nothing else.
          const size = Buffer.byteLength(JSON.stringify([event, payload ?? null, ...extra]));
          if (size > 60 * 1024 && size <= 70 * 1024) return; // too close to the limit to say what must happen
          if (size > 70 * 1024) {
            oversized++;
            // (The gateway's debug log names each close: counted after the run.)
            const t = await TestSocket.connect(rng.pick([gw1, gw2]), users[n % users.length].token);
            t.socket.emit(event, payload, ...extra);
            await sleep(1000);
            t.close();
            return;
          }
          lastSent.set(
            s,
            `${event} ${JSON.stringify([payload ?? null, ...extra]).length} chars: ${JSON.stringify([payload ?? null, ...extra])}`,
          );
          try {
            const ack = (await s.socket.timeout(10_000).emitWithAck(event, payload, ...extra)) as Ack;
            const code = codeOf(ack);
            socketCodes.push(code);
            if (!['ok', 'invalid', 'not_found', 'forbidden', 'rate_limited'].includes(code))
              note(`${event} answered ${JSON.stringify(ack)}`);
          } catch (err) {
            socketCodes.push('no answer');
            note(`${event}: ${(err as Error).message}`);
          }
        }),
      );
    }

    // HTTP: every endpoint, random methods, ids, queries, bodies and content types.
    const routes = (id: () => string) => [
      ['POST', `/v1/chats`],
      ['GET', `/v1/chats`],
      ['GET', `/v1/chats/${id()}`],
      ['PATCH', `/v1/chats/${id()}`],
      ['PATCH', `/v1/chats/${id()}/settings`],
      ['POST', `/v1/chats/${id()}/members`],
      ['DELETE', `/v1/chats/${id()}/members/${id()}`],
      ['PATCH', `/v1/chats/${id()}/members/${id()}`],
      [
        'GET',
        `/v1/chats/${id()}/messages?${rng.pick(['before', 'after', 'limit', 'x'])}=${enc(randomString(rng))}&limit=${enc(JSON.stringify(randomValue(rng, 3)) ?? '')}`,
      ],
      ['GET', `/v1/chats/${id()}/messages/${enc(randomString(rng))}/receipts`],
      ['POST', `/v1/devices`],
      ['DELETE', `/v1/devices/${enc(randomString(rng))}`],
      ['GET', `/v1/${enc(randomString(rng))}`],
    ];
    const authRoutes = (id: () => string) => [
      ['POST', '/v1/auth/register'],
      ['POST', '/v1/auth/login'],
      ['GET', '/v1/users/me'],
      ['GET', `/v1/users/by-username/${enc(randomString(rng))}`],
      ['GET', `/v1/users/${id()}`],
    ];
    const bodyFor = (): { rawBody?: string; headers?: Record<string, string> } => {
      const r = rng.next();
      if (r < 0.15) return {};
      if (r < 0.25)
        return {
          rawBody: randomString(rng),
          headers: {
            'content-type': rng.pick([
              'application/json',
              'text/plain',
              'application/x-www-form-urlencoded',
              'multipart/form-data; boundary=x',
            ]),
          },
        };
      if (r < 0.3) return { rawBody: nestedJson(rng.pick([100, 5000, 20000])) };
      const valid = rng.pick([
        { type: 'group', title: 'fz', memberIds: [rng.pick(known)] },
        { type: 'direct', memberIds: [rng.pick(known)] },
        { title: 'renamed' },
        { muted: true },
        { userIds: [rng.pick(known)] },
        { role: 'admin' },
        { token: `tok-${rng.int(1000)}`, platform: rng.pick(['android', 'ios', 'web', 'symbian']) },
        { username: randomString(rng), password: randomString(rng) },
        { everywhere: rng.chance(0.5) },
      ]);
      return { rawBody: JSON.stringify(mutate(rng, valid, known) ?? null) };
    };
    const httpStatuses: number[] = [];
    const serverErrors: string[] = [];
    for (let i = 0; i < perKind; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, perKind - i) }, async (_, j) => {
          const n = i + j;
          const u = users[n % users.length];
          const id = () => (rng.chance(0.7) ? rng.pick(known) : enc(randomString(rng)));
          const toAuth = rng.chance(0.2);
          // Logout with a fuzz user's own token would end its session: it gets junk tokens only.
          const logout = toAuth && rng.chance(0.15);
          const [method0, path] = logout ? ['POST', '/v1/auth/logout'] : rng.pick(toAuth ? authRoutes(id) : routes(id));
          const method = rng.chance(0.1)
            ? rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'])
            : method0;
          const tokenChoice = rng.next();
          const token = logout
            ? tokenChoice < 0.5
              ? randomString(rng)
              : undefined
            : tokenChoice < 0.8
              ? u.token
              : tokenChoice < 0.9
                ? randomString(rng)
                : undefined;
          const base = toAuth ? fs.authUrl : rng.pick([gw1, gw2]);
          const { rawBody, headers } =
            method === 'GET' || method === 'HEAD' ? { rawBody: undefined, headers: undefined } : bodyFor();
          try {
            const res = await http<ErrorReply>(base, method, path, { token, rawBody, headers });
            httpStatuses.push(res.status);
            if (res.status >= 500)
              serverErrors.push(
                `${method} ${path.slice(0, 80)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`,
              );
            // 431: Node's HTTP parser refuses an over-long URL before any app code runs.
            else if (res.status >= 400 && res.status !== 431 && method !== 'HEAD' && !res.body?.error?.code)
              note(`${method} ${path.slice(0, 60)} -> ${res.status} without an error body`);
          } catch (err) {
            // fetch refuses some header values client-side (a token with a newline): not the server's doing.
            if (!/header|ByteString|Invalid/i.test((err as Error).message))
              note(`${method} ${path.slice(0, 60)}: ${(err as Error).message}`);
          }
        }),
      );
    }
    await sleep(1000);
    const health = await Promise.all(
      fs.supervisor.status().map(async (s) => (await fetch(`http://127.0.0.1:${s.port}/health/ready`)).status),
    );
    const logs = fs.appLogs();
    const closedOversized = Object.entries(logs).reduce(
      (n, [app, text]) => n + (text.slice(logOffsets[app] ?? 0).match(/Max payload size exceeded/g) ?? []).length,
      0,
    );
    if (closedOversized !== oversized)
      note(`${oversized} oversized packets sent, ${closedOversized} connections closed for it`);
    const unhandled = Object.entries(logs).flatMap(([app, text]) =>
      text
        .split('\n')
        .filter((l) => /unhandled error|"level":50|"level":60|event failed/.test(l))
        .map((l) => `${app}: ${l.slice(0, 300)}`),
    );
    report({
      scenario: '14-fuzz',
      seed: Number(process.env['FAULTS_FUZZ_SEED'] ?? 7),
      socketEvents: perKind,
      httpRequests: perKind,
      socketAnswers: tally(socketCodes),
      oversizedPackets: oversized,
      oversizedConnectionsClosed: closedOversized,
      httpStatuses: tally(httpStatuses.map(String)),
      http5xx: serverErrors.length,
      errorLogLines: unhandled.length,
      appRestarts: Object.values(fs.restarts()).reduce((a, b) => a + b, 0),
    });
    expect(problems).toEqual([]);
    expect(serverErrors).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(fs.pids()).toEqual(pidsAtStart);
    expect(health.every((h) => h === 200)).toBe(true);
  });

  it('13b. no access token, password, message body or key in any app log of this run (debug level)', async () => {
    const [x, y] = await Promise.all([user('logx'), user('logy')]);
    const marker = await sendSecretMessage([gw1, gw2], x, y, connect);
    await http(fs.authUrl, 'POST', '/v1/auth/logout', { token: x.token });
    await sleep(1500);
    const keyLines = fs.stack.keys.jwtPrivatePem.split('\n').filter((l) => l.length > 40);
    const found = expectNoSecretsInLogs(fs, [...secrets, marker, 'password-123', ...keyLines]);
    report({
      scenario: '13b-log-secrets',
      logLevel: 'debug',
      logBytes: found.bytes,
      secretsSearched: found.searched,
      secretsFound: found.hits.length,
    });
    expect(found.hits).toEqual([]);
  });

  it('13c. no push device token in the request log', async () => {
    const [y] = await Promise.all([user('dev')]);
    const deviceToken = `fcm-secret-${randomUUID()}`;
    expect(
      (await http(gw1, 'POST', '/v1/devices', { token: y.token, body: { token: deviceToken, platform: 'android' } }))
        .status,
    ).toBe(201);
    expect((await http(gw1, 'DELETE', `/v1/devices/${deviceToken}`, { token: y.token })).status).toBe(204);
    await sleep(1000);
    expect(expectNoSecretsInLogs(fs, [deviceToken]).hits).toEqual([]);
  });
});

/** encodeURIComponent refuses lone surrogates: they go as '?' (the server sees something odd all the same). */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'));
  }
}

/** Opens a raw Engine.IO WebSocket, connects to Socket.IO, sends one frame; reports what the server did. */
async function rawFrame(gatewayUrl: string, token: string, frame: string | Buffer): Promise<string> {
  const ws = new WebSocket(`${gatewayUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  return new Promise((resolve) => {
    let connected = false;
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(connected ? 'ignored' : 'no socket.io connect');
    }, 3000);
    ws.on('message', (data: WebSocket.RawData) => {
      const text = data.toString();
      if (text.startsWith('0')) ws.send(`40${JSON.stringify({ token })}`);
      else if (text.startsWith('40') && !connected) {
        connected = true;
        ws.send(frame);
      } else if (/^43\d+\[/.test(text)) {
        // An ack: 43<id>[{ok, error}]
        const [ack] = JSON.parse(text.replace(/^43\d+/, '')) as Ack[];
        clearTimeout(timer);
        ws.terminate();
        resolve(`answered ${codeOf(ack)}`);
      }
    });
    ws.on('close', () => {
      clearTimeout(timer);
      resolve(connected ? 'closed by server' : 'closed before connect');
    });
    ws.on('error', () => undefined);
  });
}
