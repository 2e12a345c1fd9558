import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { UsersExistV1 } from '@parley/contracts';
import { AccessTokenSigner } from '@parley/shared/util-auth';
import type { NatsBus } from '@parley/shared/util-nats';
import { connectTestBus, createTestDatabase, createTestKeys, http, type TestDatabase } from '@parley/shared/testing';
import { Client } from 'pg';
import { bootstrap, migrate } from '../bootstrap';
import { testAuthEnv, type ErrorReply } from '../testing/auth-test-env';
import { PasswordHasher } from './password-hasher';

interface Session {
  user: { id: string; username: string; displayName: string; createdAt: string };
  accessToken: string;
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
    const env = testAuthEnv(
      { databaseUrl: db.url, keys, prefix },
      { REGISTRATIONS_PER_MINUTE: '1000', API_DOCS_ENABLED: 'true' },
    );
    await migrate(env);
    app = await bootstrap(env);
    base = await app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
    bus = await connectTestBus({ name: 'auth-test', subjectPrefix: prefix });
  });

  afterAll(async () => {
    await bus?.drain();
    await app?.close();
    await db?.drop();
  });

  it('registers, then logs in with the same password', async () => {
    const username = name('alice');
    const reg = await http<Session>(base, 'POST', '/v1/auth/register', {
      body: { username, password: 'password-1', displayName: 'Alice ✨' },
    });
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
    expect((await http(base, 'POST', '/v1/auth/register', { body: { username, password: 'password-1' } })).status).toBe(
      201,
    );
    const again = await http<ErrorReply>(base, 'POST', '/v1/auth/register', {
      body: { username, password: 'password-2' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  it('answers the same 401 for a wrong password and an unknown user', async () => {
    const username = name('carol');
    await http(base, 'POST', '/v1/auth/register', { body: { username, password: 'password-1' } });
    const wrong = await http<ErrorReply>(base, 'POST', '/v1/auth/login', {
      body: { username, password: 'password-2' },
    });
    const unknown = await http<ErrorReply>(base, 'POST', '/v1/auth/login', {
      body: { username: name('nobody'), password: 'password-1' },
    });
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
    const huge = await http<ErrorReply>(base, 'POST', '/v1/auth/login', {
      body: { username: 'x', password: 'y'.repeat(100_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });

  it('finds users by username, 404 for unknown', async () => {
    const username = name('dave');
    const reg = await http<Session>(base, 'POST', '/v1/auth/register', { body: { username, password: 'password-1' } });
    const found = await http(base, 'GET', `/v1/users/by-username/${username}`, { token: reg.body.accessToken });
    expect(found).toMatchObject({ status: 200, body: { id: reg.body.user.id, username } });
    const missing = await http<ErrorReply>(base, 'GET', `/v1/users/by-username/${name('ghost')}`, {
      token: reg.body.accessToken,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const byId = await http(base, 'GET', `/v1/users/${reg.body.user.id}`, { token: reg.body.accessToken });
    expect(byId).toMatchObject({ status: 200, body: { id: reg.body.user.id, username } });
    expect((await http(base, 'GET', `/v1/users/${randomUUID()}`, { token: reg.body.accessToken })).status).toBe(404);
    expect((await http(base, 'GET', '/v1/users/not-a-uuid', { token: reg.body.accessToken })).status).toBe(400);
  });

  it('rejects missing, tampered and expired tokens with 401', async () => {
    const reg = await http<Session>(base, 'POST', '/v1/auth/register', {
      body: { username: name('erin'), password: 'password-1' },
    });
    expect((await http<ErrorReply>(base, 'GET', '/v1/users/me')).status).toBe(401);
    const [h, p, s] = reg.body.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: 9999999999 })).toString('base64url')}.${s}`;
    const res = await http<ErrorReply>(base, 'GET', '/v1/users/me', { token: tampered });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');

    const signer = await AccessTokenSigner.fromPem(keys.jwtPrivatePem, {
      issuer: 'parley-auth',
      audience: 'parley',
      ttlSeconds: 60,
    });
    const expired = await signer.sign(
      { userId: reg.body.user.id, username: reg.body.user.username, sessionId: 's' },
      Math.floor(Date.now() / 1000) - 3600,
    );
    const old = await http<ErrorReply>(base, 'GET', '/v1/users/me', { token: expired });
    expect(old.status).toBe(401);
    expect(old.body.error.message).toMatch(/expired/);
  });

  it('answers which user ids exist over NATS', async () => {
    const reg = await http<Session>(base, 'POST', '/v1/auth/register', {
      body: { username: name('frank'), password: 'password-1' },
    });
    const ghost = randomUUID();
    const reply = await bus.request(UsersExistV1, { userIds: [reg.body.user.id, ghost, 'not-a-uuid'] });
    expect(reply.missing.sort()).toEqual([ghost, 'not-a-uuid'].sort());
  });

  it('stores a cheaper hash again at the current cost on the next successful login', async () => {
    const username = name('gina');
    const reg = await http<Session>(base, 'POST', '/v1/auth/register', { body: { username, password: 'password-1' } });
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const storedHash = async () =>
        (await pg.query<{ h: string }>('SELECT password_hash AS h FROM auth.users WHERE id = $1', [reg.body.user.id]))
          .rows[0].h;
      expect(await storedHash()).toMatch(/^scrypt\$12\$8\$1\$/);
      await pg.query('UPDATE auth.users SET password_hash = $2 WHERE id = $1', [
        reg.body.user.id,
        await new PasswordHasher({ logN: 10 }).hash('password-1'),
      ]);
      // A wrong password changes nothing.
      expect((await http(base, 'POST', '/v1/auth/login', { body: { username, password: 'password-2' } })).status).toBe(
        401,
      );
      expect(await storedHash()).toMatch(/^scrypt\$10\$/);
      expect((await http(base, 'POST', '/v1/auth/login', { body: { username, password: 'password-1' } })).status).toBe(
        200,
      );
      const upgraded = await storedHash();
      expect(upgraded).toMatch(/^scrypt\$12\$8\$1\$/);
      expect((await http(base, 'POST', '/v1/auth/login', { body: { username, password: 'password-1' } })).status).toBe(
        200,
      );
      expect(await storedHash()).toBe(upgraded);
    } finally {
      await pg.end();
    }
  });

  it('with API_DOCS_ENABLED, serves Swagger UI under a CSP it works with: only its own files run', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // Every script is a file of ours (no inline script, which script-src 'self' would block) ...
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="[^"]+"/);
      expect(body.trim()).toBe('');
    }
    // ... and every script and stylesheet it loads is served, from this origin.
    const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => new URL(m[1], page.url));
    expect(assets.map((u) => u.pathname)).toEqual(
      expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js', '/docs/swagger-ui.css']),
    );
    for (const url of assets) {
      expect(url.origin).toBe(new URL(base).origin);
      expect((await fetch(url)).status).toBe(200);
    }
    // Inline <style> blocks are allowed by style-src.
    expect(csp).toMatch(/style-src [^;]*'unsafe-inline'/);
    // The UI loads the document from this origin (connect-src falls back to default-src 'self').
    const init = await (await fetch(`${base}/docs/swagger-ui-init.js`)).text();
    expect(init).toContain('"paths"');
  });

  it('serves health, metrics and the OpenAPI document', async () => {
    expect((await http(base, 'GET', '/health/live')).status).toBe(200);
    const ready = await http<{ info: Record<string, { status: string }> }>(base, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, nats: { status: 'up' } });
    const metrics = await fetch(`${base}/metrics`);
    expect(await metrics.text()).toContain('process_cpu_user_seconds_total{service="auth"}');
    const doc = await http<{ paths: Record<string, unknown> }>(base, 'GET', '/docs/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/auth/register', '/v1/auth/login', '/v1/users/me']),
    );
  });
});
