import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { RevocationStream } from '@parley/shared/util-auth';
import { connectTestBus, createTestDatabase, createTestKeys, http, type TestDatabase } from '@parley/shared/testing';
import { bootstrap, migrate } from '../bootstrap';
import { testAuthEnv, type ErrorReply } from '../testing/auth-test-env';

/**
 * Two auth replicas on one database and one Redis, as production runs them: login and
 * registration limits are counted per real client address, across both. Replica A trusts a
 * proxy on loopback (the default), so X-Forwarded-For names the client; replica B trusts no
 * proxy here, so the same header is ignored and the peer's address counts.
 */
describe('auth: per-client limits across replicas, trusted proxies, safe HTTP defaults', () => {
  let db: TestDatabase;
  let a: INestApplication;
  let b: INestApplication;
  let urlA: string;
  let urlB: string;
  const keys = createTestKeys();
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const name = (s: string) => `${s}_${randomUUID().slice(0, 6)}`;
  /** A documentation address (RFC 5737) per test, so no two tests share a counter. */
  let nextAddress = 1;
  const clientAddress = () => `203.0.113.${nextAddress++}`;

  beforeAll(async () => {
    db = await createTestDatabase('auth_limits');
    const env = testAuthEnv(
      { databaseUrl: db.url, keys, prefix },
      { LOGIN_ATTEMPTS_PER_MINUTE: '3', REGISTRATIONS_PER_MINUTE: '3' },
    );
    await migrate(env);
    a = await bootstrap(env);
    b = await bootstrap({ ...env, TRUSTED_PROXIES: '10.0.0.0/8' });
    urlA = (await a.getUrl()).replace('[::1]', '127.0.0.1');
    urlB = (await b.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    const bus = await connectTestBus({ name: 'auth-limits-cleanup' });
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams
      .delete(new RevocationStream(bus.connection, { subjectPrefix: prefix }).name)
      .catch(() => undefined);
    await bus.drain();
    await db?.drop();
  });

  const register = (url: string, username: string, forwardedFor?: string) =>
    http<ErrorReply>(url, 'POST', '/v1/auth/register', {
      body: { username, password: 'password-1' },
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });
  const login = (url: string, username: string, password: string, forwardedFor?: string) =>
    http<ErrorReply>(url, 'POST', '/v1/auth/login', {
      body: { username, password },
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });

  it('counts login attempts of one (address, username) once across two replicas, answering 429 rate_limited with Retry-After', async () => {
    const username = name('alice');
    expect((await register(urlA, username, clientAddress())).status).toBe(201);
    // Both replicas see 127.0.0.1 here: A because no header came through its proxy, B because it trusts none.
    const codes = [
      (await login(urlA, username, 'wrong-1')).status,
      (await login(urlB, username, 'wrong-2')).status,
      (await login(urlA, username, 'wrong-3')).status,
    ];
    expect(codes).toEqual([401, 401, 401]);
    for (const url of [urlB, urlA]) {
      const refused = await login(url, username, 'password-1');
      expect([refused.status, refused.body.error.code]).toEqual([429, 'rate_limited']);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    // Another client address (through the trusted proxy) still logs in: nobody else is locked out.
    expect((await login(urlA, username, 'password-1', clientAddress())).status).toBe(200);
  });

  it('limits registrations per client address across replicas, honouring X-Forwarded-For from a trusted proxy only', async () => {
    const client = clientAddress();
    // Through replica A's trusted proxy: three from one client, counted once across A and B ...
    expect((await register(urlA, name('r1'), client)).status).toBe(201);
    expect((await register(urlA, name('r2'), client)).status).toBe(201);
    expect((await register(urlA, name('r3'), client)).status).toBe(201);
    const fourth = await register(urlA, name('r4'), client);
    expect([fourth.status, fourth.body.error.code]).toEqual([429, 'rate_limited']);
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // ... while another client behind the same proxy is not affected.
    expect((await register(urlA, name('r5'), clientAddress())).status).toBe(201);

    // Replica B trusts no proxy on loopback: a client making up a new X-Forwarded-For per
    // request is still counted as its own address (127.0.0.1), and refused after three.
    const spoofed = [];
    for (let i = 0; i < 4; i++) spoofed.push((await register(urlB, name(`s${i}`), clientAddress())).status);
    expect(spoofed).toEqual([201, 201, 201, 429]);
  });

  it('sends helmet headers on every answer, serves no API docs by default, and allows only listed browser origins', async () => {
    const live = await fetch(`${urlA}/health/live`);
    expect(live.status).toBe(200);
    expect(live.headers.get('x-content-type-options')).toBe('nosniff');
    expect(live.headers.get('x-frame-options')).toBe('DENY');
    expect(live.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(live.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(live.headers.get('x-powered-by')).toBeNull();

    for (const path of ['/docs', '/docs/openapi.json']) {
      const res = await http<ErrorReply>(urlA, 'GET', path);
      expect([res.status, res.body.error.code]).toEqual([404, 'not_found']);
    }

    const preflight = (origin: string) =>
      fetch(`${urlA}/v1/auth/login`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight('http://localhost:4200');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:4200');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
