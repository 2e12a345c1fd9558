import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Chat, Message } from '@parley/contracts';
import { http, registerUser, TestSocket, type TestUser } from '@parley/shared/testing';
import { keyIdOf } from '@parley/shared/util-auth';
import { FaultStack, report, sleep, until } from './support/fault-stack';
import { expectNoSecretsInLogs, sendSecretMessage } from './support/log-secrets';
import { hostileTokens } from './support/tokens';

interface ErrorReply {
  error: { code: string; message: string };
}

/**
 * Issue 7, hardening 10 and 11: access tokens (algorithms pinned, claims checked, key rotation),
 * logout and revoked sessions, and authorization of every event and endpoint. Real processes.
 */
describe('security: tokens, sessions, authorization', () => {
  let fs: FaultStack;
  let gw1: string;
  let gw2: string;
  const sockets: TestSocket[] = [];
  const secrets: string[] = [];

  const user = async (prefix: string) => {
    const u = await registerUser(fs.authUrl, prefix);
    secrets.push(u.token);
    return u;
  };
  const connect = async (url: string, u: TestUser | string) => {
    const s = await TestSocket.connect(url, typeof u === 'string' ? u : u.token);
    sockets.push(s);
    return s;
  };
  const login = async (u: TestUser) => {
    const res = await http<{ accessToken: string }>(fs.authUrl, 'POST', '/v1/auth/login', {
      body: { username: u.user.username, password: 'password-123' },
    });
    expect(res.status).toBe(200);
    secrets.push(res.body.accessToken);
    return { user: u.user, token: res.body.accessToken };
  };
  const connectError = (url: string, token: string) =>
    TestSocket.connect(url, token).then(
      (s) => {
        s.close();
        return 'connected';
      },
      (err: Error) => err.message,
    );

  beforeAll(async () => {
    fs = await FaultStack.start({ label: 'security-access', limits: 'production', env: { LOG_LEVEL: 'debug' } });
    [gw1, gw2] = fs.gatewayUrls;
  }, 180_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await fs?.stop();
  });

  it('10a. refuses every forged, broken, expired or mis-addressed token, on HTTP and Socket.IO, at the gateways and auth', async () => {
    const alice = await user('alice');
    const tokens = await hostileTokens(fs.stack.keys.jwtPrivatePem, fs.stack.keys.jwtPublicPem, alice.user);
    const outcomes: Record<string, unknown[]> = {};
    for (const [name, token] of Object.entries(tokens)) {
      const gwHttp = await http<ErrorReply>(gw1, 'GET', '/v1/chats', { token });
      const authHttp = await http<ErrorReply>(fs.authUrl, 'GET', '/v1/users/me', { token });
      const socket = await connectError(gw2, token);
      outcomes[name] = [gwHttp.status, gwHttp.body?.error?.code, authHttp.status, authHttp.body?.error?.code, socket];
    }
    report({
      scenario: '10a-hostile-tokens',
      tokens: Object.keys(tokens).length,
      refused: Object.values(outcomes).filter((o) => o[0] === 401 && o[2] === 401 && o[4] === 'unauthorized').length,
    });
    for (const [name, o] of Object.entries(outcomes))
      expect([name, ...o]).toEqual([name, 401, 'unauthorized', 401, 'unauthorized', 'unauthorized']);
    // ...and the real one works everywhere.
    expect((await http(gw1, 'GET', '/v1/chats', { token: alice.token })).status).toBe(200);
    expect((await http(fs.authUrl, 'GET', '/v1/users/me', { token: alice.token })).status).toBe(200);
    expect(await connectError(gw2, alice.token)).toBe('connected');
  });

  it("10b. logout closes that session's sockets on every gateway and refuses its token everywhere, even after a gateway restart", async () => {
    const bob = await user('bob');
    const phone = await login(bob);
    const laptop = [await connect(gw1, bob), await connect(gw2, bob)];
    const phones = [await connect(gw1, phone.token), await connect(gw2, phone.token)];
    const closed = phones.map(
      (s) => new Promise<number>((resolve) => s.socket.once('disconnect', () => resolve(Date.now()))),
    );
    const errors = phones.map((s) => s.waitFor<{ code: string; message: string }>('error', () => true, 10_000));

    const logoutAt = Date.now();
    const logout = await http(fs.authUrl, 'POST', '/v1/auth/logout', { token: phone.token });
    expect(logout.status).toBe(204);
    const closedAt = await Promise.all(closed);
    expect(await Promise.all(errors)).toEqual([
      { code: 'unauthorized', message: 'session revoked' },
      { code: 'unauthorized', message: 'session revoked' },
    ]);
    const refusedHttp = await Promise.all(
      [gw1, gw2].map((g) => http<ErrorReply>(g, 'GET', '/v1/chats', { token: phone.token })),
    );
    const refusedAuth = await http<ErrorReply>(fs.authUrl, 'GET', '/v1/users/me', { token: phone.token });
    expect(refusedHttp.map((r) => [r.status, r.body.error.message])).toEqual([
      [401, 'session revoked'],
      [401, 'session revoked'],
    ]);
    expect(refusedAuth.status).toBe(401);
    expect(await connectError(gw1, phone.token)).toBe('unauthorized');
    // The other session is untouched.
    await sleep(300);
    expect(laptop.every((s) => s.socket.connected)).toBe(true);
    expect((await http(gw2, 'GET', '/v1/chats', { token: bob.token })).status).toBe(200);

    // A gateway started after the logout learns it from the revocation stream.
    const [, gw2Name] = fs.stack.gatewayNames();
    await fs.supervisor.kill(gw2Name, 'SIGKILL');
    await fs.supervisor.waitReady(60_000, [gw2Name]);
    const afterRestart = await http<ErrorReply>(gw2, 'GET', '/v1/chats', { token: phone.token });
    expect(afterRestart.status).toBe(401);
    expect(await connectError(gw2, phone.token)).toBe('unauthorized');
    expect(await connectError(gw2, bob.token)).toBe('connected');

    // Log out everywhere: the remaining session's sockets close too.
    const remaining = [await connect(gw1, bob), await connect(gw2, bob)];
    const allClosed = remaining.map(
      (s) => new Promise<void>((resolve) => s.socket.once('disconnect', () => resolve())),
    );
    expect(
      (await http(fs.authUrl, 'POST', '/v1/auth/logout', { token: bob.token, body: { everywhere: true } })).status,
    ).toBe(204);
    await Promise.all([
      ...allClosed,
      ...laptop.map((s) => until(() => !s.socket.connected, 10_000, 'laptop socket closed')),
    ]);
    expect((await http(gw1, 'GET', '/v1/chats', { token: bob.token })).status).toBe(401);
    report({
      scenario: '10b-logout',
      injected: 'POST /v1/auth/logout with sockets of that session on both gateways; then a gateway SIGKILL + restart',
      socketsClosedWithinMs: Math.max(...closedAt) - logoutAt,
      refusedAfterGatewayRestart: afterRestart.status === 401,
    });
  });

  it('10c. key rotation: the next key is published first, then signs; old tokens stay valid until the old key is removed', async () => {
    const { keys } = fs.stack;
    const oldToken = (await user('rot')).token;
    const next = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const nextPrivate = next.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const nextPublic = next.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    secrets.push(...nextPrivate.split('\n').filter((l) => l.length > 40));
    const oldPublic = readFileSync(keys.jwtPublicKeyFile, 'utf8');
    const restart = async (names: string[]) => {
      for (const name of names) {
        await fs.supervisor.stopApp(name);
        await fs.supervisor.startApp(name);
      }
      await fs.supervisor.waitReady(60_000, names);
    };
    const everyone = [...fs.stack.gatewayNames(), 'auth'];
    const kidOf = (t: string) =>
      (JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString()) as { kid: string }).kid;

    // 1. Every verifier learns the next public key.
    writeFileSync(keys.jwtPublicKeyFile, `${oldPublic}\n${nextPublic}`);
    await restart(everyone);
    // 2. auth signs with the next key.
    writeFileSync(keys.jwtPrivateKeyFile, nextPrivate);
    await restart(['auth']);
    const newUser = await user('rot');
    expect(kidOf(newUser.token)).toBe(keyIdOf(createPublicKey(nextPublic)));
    for (const t of [oldToken, newUser.token]) {
      expect((await http(gw1, 'GET', '/v1/chats', { token: t })).status).toBe(200);
      expect((await http(fs.authUrl, 'GET', '/v1/users/me', { token: t })).status).toBe(200);
      expect(await connectError(gw2, t)).toBe('connected');
    }
    // 3. Once the old tokens have expired, the old key goes.
    writeFileSync(keys.jwtPublicKeyFile, nextPublic);
    await restart(everyone);
    expect((await http(gw1, 'GET', '/v1/chats', { token: oldToken })).status).toBe(401);
    expect((await http(fs.authUrl, 'GET', '/v1/users/me', { token: oldToken })).status).toBe(401);
    expect((await http(gw2, 'GET', '/v1/chats', { token: newUser.token })).status).toBe(200);
    report({
      scenario: '10c-key-rotation',
      injected: 'publish next key, sign with it, retire the old one (3 rolling restarts)',
      oldTokenAfterRetirement: 401,
    });
  });

  it('11. strangers and removed members get forbidden on every event and endpoint, with no fan-out; ids are not guessable', async () => {
    const [alice, bob, carol, dave, mallory] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave', 'mallory'].map((n) => user(n)),
    );
    const created = await http<Chat>(gw1, 'POST', '/v1/chats', {
      token: alice.token,
      body: { type: 'group', title: 'inner circle', memberIds: [bob.user.id, carol.user.id, dave.user.id] },
    });
    const chat = created.body;
    const a = await connect(gw1, alice);
    const b = await connect(gw2, bob);
    await a.waitFor<Chat>('chat:new', (c) => c.id === chat.id).catch(() => undefined);
    const first = await a.emitAck('message:send', { chatId: chat.id, clientMsgId: 'm1', body: 'members only' });
    expect(first.ok).toBe(true);
    const seq = (first['message'] as Message).seq;
    // dave leaves the chat (removed by the admin).
    expect(
      (await http(gw1, 'DELETE', `/v1/chats/${chat.id}/members/${dave.user.id}`, { token: alice.token })).status,
    ).toBe(204);
    await sleep(300);
    const before = { a: a.received.length, b: b.received.length };

    const outsiders = { mallory, dave };
    const results: Record<string, string[]> = {};
    for (const [who, u] of Object.entries(outsiders)) {
      const s = await connect(who === 'mallory' ? gw2 : gw1, u);
      const ack = async (event: string, payload: unknown) =>
        ((await s.emitAck(event, payload)) as { error?: { code: string } }).error?.code ?? 'ok';
      const status = async (method: string, path: string, body?: unknown) => {
        const res = await http<ErrorReply>(gw2, method, path, { token: u.token, body });
        return `${res.status} ${res.body?.error?.code ?? ''}`.trim();
      };
      results[who] = [
        await ack('message:send', { chatId: chat.id, clientMsgId: `x-${who}`, body: 'let me in' }),
        await ack('message:delivered', { chatId: chat.id, upToSeq: 1 }),
        await ack('message:read', { chatId: chat.id, upToSeq: 1 }),
        await ack('typing', { chatId: chat.id, isTyping: true }),
        await ack('presence:subscribe', { userIds: [alice.user.id] }),
        await status('GET', `/v1/chats/${chat.id}`),
        await status('GET', `/v1/chats/${chat.id}/messages`),
        await status('GET', `/v1/chats/${chat.id}/messages?after=0`),
        await status('GET', `/v1/chats/${chat.id}/messages/${seq}/receipts`),
        await status('POST', `/v1/chats/${chat.id}/members`, { userIds: [u.user.id] }),
        await status('DELETE', `/v1/chats/${chat.id}/members/${bob.user.id}`),
        await status('PATCH', `/v1/chats/${chat.id}`, { title: 'mine now' }),
        await status('PATCH', `/v1/chats/${chat.id}/members/${u.user.id}`, { role: 'admin' }),
        await status('PATCH', `/v1/chats/${chat.id}/settings`, { muted: true }),
      ];
    }
    const forbidden = [
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      'forbidden',
      '403 forbidden',
      '403 forbidden',
      '403 forbidden',
      '403 forbidden',
      '403 forbidden',
      '403 forbidden',
      '403 forbidden',
      '403 forbidden',
      '403 forbidden',
    ];
    expect(results).toEqual({ mallory: forbidden, dave: forbidden });

    // Nothing reached the members: no message, typing, receipt or chat event.
    await sleep(1000);
    expect({ a: a.received.length, b: b.received.length }).toEqual(before);
    const rows = await fs.query<{ n: string }>(`SELECT count(*) AS n FROM message_store.messages WHERE chat_id = $1`, [
      chat.id,
    ]);
    expect(Number(rows[0].n)).toBe(1);

    // Unknown ids are not_found, malformed ones invalid: no probing the store with junk.
    const m = await connect(gw1, mallory);
    const ghost = randomUUID();
    expect(
      (
        (await m.emitAck('message:send', { chatId: ghost, clientMsgId: 'g', body: 'hi' })) as {
          error?: { code: string };
        }
      ).error?.code,
    ).toBe('not_found');
    expect((await http(gw1, 'GET', `/v1/chats/${ghost}`, { token: mallory.token })).status).toBe(404);
    expect((await http(gw1, 'GET', '/v1/chats/1', { token: mallory.token })).status).toBe(400);
    expect((await http(gw1, 'GET', `/v1/chats/${chat.id}'%20OR%201=1`, { token: mallory.token })).status).toBe(400);
    // A user id that does not exist answers like a stranger: presence reveals nothing.
    expect(
      ((await m.emitAck('presence:subscribe', { userIds: [ghost] })) as { error?: { code: string } }).error?.code,
    ).toBe('forbidden');
    // Ids are random (UUID v4: 122 random bits), not sequential.
    const more = await Promise.all(
      [0, 1, 2].map(() =>
        http<Chat>(gw1, 'POST', '/v1/chats', {
          token: mallory.token,
          body: { type: 'group', title: 't', memberIds: [] },
        }),
      ),
    );
    const ids = [chat.id, ...more.map((r) => r.body.id), (first['message'] as Message).id, alice.user.id, bob.user.id];
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(
      true,
    );
    report({
      scenario: '11-authorization',
      outsiders: 2,
      checksPerOutsider: forbidden.length,
      allForbidden: true,
      fanOutToMembers: 0,
    });
  });

  it('13a. no token, password, message body or key in any app log of this run', async () => {
    const [x, y] = await Promise.all([user('logx'), user('logy')]);
    const marker = await sendSecretMessage([gw1, gw2], x, y, connect);
    await sleep(1500);
    const found = expectNoSecretsInLogs(fs, [
      ...secrets,
      marker,
      'password-123',
      ...fs.stack.keys.jwtPrivatePem.split('\n').filter((l) => l.length > 40),
      readFileSync(fs.stack.keys.messageKeysFile, 'utf8').split(':')[1].trim(),
    ]);
    report({
      scenario: '13a-log-secrets',
      logLevel: 'debug',
      logBytes: found.bytes,
      secretsSearched: found.searched,
      secretsFound: found.hits.length,
    });
    expect(found.hits).toEqual([]);
  });
});
