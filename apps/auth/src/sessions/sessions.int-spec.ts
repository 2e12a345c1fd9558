import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { SessionRevokedV1, type SessionRevoked } from '@parley/contracts';
import { RevocationStream } from '@parley/shared/util-auth';
import type { NatsBus } from '@parley/shared/util-nats';
import { connectTestBus, createTestDatabase, createTestKeys, http, type TestDatabase } from '@parley/shared/testing';
import { Client } from 'pg';
import { bootstrap, migrate } from '../bootstrap';
import { testAuthEnv, type ErrorReply } from '../testing/auth-test-env';

interface Session {
  user: { id: string; username: string };
  accessToken: string;
}

describe('sessions and logout (real HTTP, NATS JetStream, PostgreSQL)', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let bus: NatsBus;
  let base: string;
  let env: NodeJS.ProcessEnv;
  const keys = createTestKeys();
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const revocations: SessionRevoked[] = [];
  const name = (s: string) => `${s}_${randomUUID().slice(0, 6)}`;

  const start = async () => {
    app = await bootstrap(env);
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  };

  beforeAll(async () => {
    db = await createTestDatabase('auth_sessions');
    env = testAuthEnv(
      { databaseUrl: db.url, keys, prefix },
      { LOGIN_ATTEMPTS_PER_MINUTE: '5', REGISTRATIONS_PER_MINUTE: '1000' },
    );
    await migrate(env);
    bus = await connectTestBus({ name: 'auth-sessions-test', subjectPrefix: prefix });
    bus.subscribe(SessionRevokedV1, (e) => void revocations.push(e));
    await start();
  });

  afterAll(async () => {
    await app?.close();
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams
      .delete(new RevocationStream(bus.connection, { subjectPrefix: prefix }).name)
      .catch(() => undefined);
    await bus?.drain();
    await db?.drop();
  });

  const register = async (who: string) =>
    (await http<Session>(base, 'POST', '/v1/auth/register', { body: { username: name(who), password: 'password-1' } }))
      .body;
  const login = async (username: string) =>
    (await http<Session>(base, 'POST', '/v1/auth/login', { body: { username, password: 'password-1' } })).body;
  const me = (token: string) => http<ErrorReply>(base, 'GET', '/v1/users/me', { token });
  const sid = (token: string) =>
    (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sid: string }).sid;
  const until = async (probe: () => boolean) => {
    for (let i = 0; i < 100 && !probe(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(probe()).toBe(true);
  };

  it('every login is a session of its own; logout revokes only that one, announces it and refuses its token', async () => {
    const reg = await register('alice');
    const phone = await login(reg.user.username);
    expect(sid(phone.accessToken)).not.toBe(sid(reg.accessToken));
    const [row] = await query<{ n: string }>(
      `SELECT count(*) AS n FROM auth.sessions WHERE user_id = $1 AND revoked_at IS NULL`,
      [reg.user.id],
    );
    expect(Number(row.n)).toBe(2);

    expect((await http(base, 'POST', '/v1/auth/logout', { token: phone.accessToken })).status).toBe(204);
    await until(() => revocations.some((r) => r.sessionId === sid(phone.accessToken)));
    expect(revocations.find((r) => r.sessionId === sid(phone.accessToken))).toEqual({
      userId: reg.user.id,
      sessionId: sid(phone.accessToken),
    });
    const refused = await me(phone.accessToken);
    expect([refused.status, refused.body.error.message]).toEqual([401, 'session revoked']);
    expect((await me(reg.accessToken)).status).toBe(200);
    // Logging out again with the revoked token is unauthorized, not an error.
    expect((await http(base, 'POST', '/v1/auth/logout', { token: phone.accessToken })).status).toBe(401);
  });

  it('logout everywhere revokes every session of the caller and no one else', async () => {
    const bob = await register('bob');
    const laptop = await login(bob.user.username);
    const carol = await register('carol');
    const res = await http(base, 'POST', '/v1/auth/logout', { token: bob.accessToken, body: { everywhere: true } });
    expect(res.status).toBe(204);
    expect((await me(bob.accessToken)).status).toBe(401);
    expect((await me(laptop.accessToken)).status).toBe(401);
    expect((await me(carol.accessToken)).status).toBe(200);
    const fresh = await login(bob.user.username);
    expect((await me(fresh.accessToken)).status).toBe(200);
    const bad = await http<ErrorReply>(base, 'POST', '/v1/auth/logout', {
      token: fresh.accessToken,
      body: { everywhere: 'yes' },
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid']);
  });

  it('a restarted auth still refuses revoked tokens, and republishes revocations the stream lost', async () => {
    const dave = await register('dave');
    const other = await login(dave.user.username);
    expect((await http(base, 'POST', '/v1/auth/logout', { token: other.accessToken })).status).toBe(204);
    await app.close();
    await start();
    expect((await me(other.accessToken)).status).toBe(401);
    expect((await me(dave.accessToken)).status).toBe(200);

    // NATS lost its storage: the next start publishes what PostgreSQL knows again.
    await app.close();
    const stream = new RevocationStream(bus.connection, { subjectPrefix: prefix });
    await (await bus.connection.jetstreamManager()).streams.delete(stream.name);
    await start();
    expect((await me(other.accessToken)).status).toBe(401);
    const { messages } = await stream.ensure();
    expect(messages).toBeGreaterThanOrEqual(4);
  });

  it('slows down password guessing per (address, username) without locking out other accounts', async () => {
    const erin = await register('erin');
    const frank = await register('frank');
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) {
      codes.push(
        (
          await http(base, 'POST', '/v1/auth/login', {
            body: { username: erin.user.username, password: `wrong-${i}-pw` },
          })
        ).status,
      );
    }
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5)).toEqual([429, 429]);
    const limited = await http<ErrorReply>(base, 'POST', '/v1/auth/login', {
      body: { username: erin.user.username, password: 'password-1' },
    });
    expect([limited.status, limited.body.error.code]).toEqual([429, 'rate_limited']);
    // Seconds until the one-minute window ends.
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(
      (await http(base, 'POST', '/v1/auth/login', { body: { username: frank.user.username, password: 'password-1' } }))
        .status,
    ).toBe(200);
  });

  async function query<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      return (await pg.query<R>(sql, params)).rows;
    } finally {
      await pg.end();
    }
  }
});
