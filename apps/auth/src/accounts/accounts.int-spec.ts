import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { UsersExistV1 } from '@parley/contracts';
import { AccessTokenSigner } from '@parley/shared/util-auth';
import { NatsBus } from '@parley/shared/util-nats';
import { createTestDatabase, createTestKeys, http, type TestDatabase } from '@parley/shared/testing';
import { bootstrap, migrate } from '../bootstrap';

interface Session {
  user: { id: string; username: string; displayName: string; createdAt: string };
  accessToken: string;
}
interface ErrorReply {
  error: { code: string; message: string };
}

describe('auth over real HTTP and NATS', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let bus: NatsBus;
  let base: string;
  const keys = createTestKeys();
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const name = (s: string) => `${s}_${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    db = await createTestDatabase('auth');
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      AUTH_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      JWT_PRIVATE_KEY_FILE: keys.jwtPrivateKeyFile,
      NATS_SUBJECT_PREFIX: prefix,
      PASSWORD_SCRYPT_LOG_N: '12',
    };
    await migrate(env);
    app = await bootstrap(env);
    base = await app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
    bus = await NatsBus.connect({ url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'auth-test', requestTimeoutMs: 3000, subjectPrefix: prefix });
  });

  afterAll(async () => {
    await bus?.drain();
    await app?.close();
    await db?.drop();
  });

  it('registers, then logs in with the same password', async () => {
    const username = name('alice');
    const reg = await http<Session>(base, 'POST', '/v1/auth/register', { body: { username, password: 'password-1', displayName: 'Alice ✨' } });
    expect(reg.status).toBe(201);
    expect(reg.body.user).toMatchObject({ username, displayName: 'Alice ✨' });
    expect(reg.body.user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(reg.body.user.createdAt).toISOString()).toBe(reg.body.user.createdAt);
    expect(reg.body.user).not.toHaveProperty('passwordHash');

    const login = await http<Session>(base, 'POST', '/v1/auth/login', { body: { username, password: 'password-1' } });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(reg.body.user.id);

    const me = await http(base, 'GET', '/v1/users/me', { token: login.body.accessToken });
    expect(me).toMatchObject({ status: 200, body: reg.body.user });
  });

  it('answers 409 conflict for a taken username', async () => {
    const username = name('bob');
    expect((await http(base, 'POST', '/v1/auth/register', { body: { username, password: 'password-1' } })).status).toBe(201);
    const again = await http<ErrorReply>(base, 'POST', '/v1/auth/register', { body: { username, password: 'password-2' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  it('answers the same 401 for a wrong password and an unknown user', async () => {
    const username = name('carol');
    await http(base, 'POST', '/v1/auth/register', { body: { username, password: 'password-1' } });
    const wrong = await http<ErrorReply>(base, 'POST', '/v1/auth/login', { body: { username, password: 'password-2' } });
    const unknown = await http<ErrorReply>(base, 'POST', '/v1/auth/login', { body: { username: name('nobody'), password: 'password-1' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('unauthorized');
  });

  it.each([
    [{ username: 'ab', password: 'password-1' }, 'username'],
    [{ username: 'Upper_Case', password: 'password-1' }, 'username'],
    [{ username: 'okname', password: 'short' }, 'password'],
    [{ username: 'okname', password: 'x'.repeat(129) }, 'password'],
    [{ username: 'okname' }, 'password'],
    [{ username: 'okname', password: 'password-1', displayName: '' }, 'displayName'],
    [{ username: 'okname', password: 'password-1', admin: true }, 'admin'],
  ])('rejects a bad register body %j naming %s', async (body, field) => {
    const res = await http<ErrorReply>(base, 'POST', '/v1/auth/register', { body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid');
    expect(res.body.error.message).toContain(field);
  });

  it('rejects a non-JSON body and an oversized one with PROTOCOL codes', async () => {
    const notJson = await http<ErrorReply>(base, 'POST', '/v1/auth/login', { rawBody: '{"username":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid');
    const huge = await http<ErrorReply>(base, 'POST', '/v1/auth/login', { body: { username: 'x', password: 'y'.repeat(100_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });

  it('finds users by username, 404 for unknown', async () => {
    const username = name('dave');
    const reg = await http<Session>(base, 'POST', '/v1/auth/register', { body: { username, password: 'password-1' } });
    const found = await http(base, 'GET', `/v1/users/by-username/${username}`, { token: reg.body.accessToken });
    expect(found).toMatchObject({ status: 200, body: { id: reg.body.user.id, username } });
    const missing = await http<ErrorReply>(base, 'GET', `/v1/users/by-username/${name('ghost')}`, { token: reg.body.accessToken });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const byId = await http(base, 'GET', `/v1/users/${reg.body.user.id}`, { token: reg.body.accessToken });
    expect(byId).toMatchObject({ status: 200, body: { id: reg.body.user.id, username } });
    expect((await http(base, 'GET', `/v1/users/${randomUUID()}`, { token: reg.body.accessToken })).status).toBe(404);
    expect((await http(base, 'GET', '/v1/users/not-a-uuid', { token: reg.body.accessToken })).status).toBe(400);
  });

  it('rejects missing, tampered and expired tokens with 401', async () => {
    const reg = await http<Session>(base, 'POST', '/v1/auth/register', { body: { username: name('erin'), password: 'password-1' } });
    expect((await http<ErrorReply>(base, 'GET', '/v1/users/me')).status).toBe(401);
    const [h, p, s] = reg.body.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: 9999999999 })).toString('base64url')}.${s}`;
    const res = await http<ErrorReply>(base, 'GET', '/v1/users/me', { token: tampered });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');

    const signer = await AccessTokenSigner.fromPem(keys.jwtPrivatePem, { issuer: 'parley-auth', audience: 'parley', ttlSeconds: 60 });
    const expired = await signer.sign(
      { userId: reg.body.user.id, username: reg.body.user.username, sessionId: 's' },
      Math.floor(Date.now() / 1000) - 3600,
    );
    const old = await http<ErrorReply>(base, 'GET', '/v1/users/me', { token: expired });
    expect(old.status).toBe(401);
    expect(old.body.error.message).toMatch(/expired/);
  });

  it('answers which user ids exist over NATS', async () => {
    const reg = await http<Session>(base, 'POST', '/v1/auth/register', { body: { username: name('frank'), password: 'password-1' } });
    const ghost = randomUUID();
    const reply = await bus.request(UsersExistV1, { userIds: [reg.body.user.id, ghost, 'not-a-uuid'] });
    expect(reply.missing.sort()).toEqual([ghost, 'not-a-uuid'].sort());
  });

  it('serves health, metrics and the OpenAPI document', async () => {
    expect((await http(base, 'GET', '/health/live')).status).toBe(200);
    const ready = await http<{ info: Record<string, { status: string }> }>(base, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, nats: { status: 'up' } });
    const metrics = await fetch(`${base}/metrics`);
    expect(await metrics.text()).toContain('process_cpu_user_seconds_total{service="auth"}');
    const doc = await http<{ paths: Record<string, unknown> }>(base, 'GET', '/docs/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/auth/register', '/v1/auth/login', '/v1/users/me']));
  });
});
