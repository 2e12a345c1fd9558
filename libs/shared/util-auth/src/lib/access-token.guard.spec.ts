import { generateKeyPairSync } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import { AccessTokenSigner, AccessTokenVerifier } from './access-token';
import { UserRateLimits } from '@parley/shared/util-rate-limit';
import { AccessTokenGuard } from './access-token.guard';
import { RevokedSessions } from './revoked-sessions';

describe('AccessTokenGuard', () => {
  const settings = { issuer: 'parley-auth', audience: 'parley', ttlSeconds: 3600 };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const context = (authorization?: string) => {
    const req = { headers: { authorization } } as { headers: Record<string, string | undefined>; auth?: unknown };
    return { req, ctx: { switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext };
  };

  it('lets a valid token through, sets the caller, and limits each user on its own', async () => {
    const signer = await AccessTokenSigner.fromPem(privatePem, settings);
    const verifier = AccessTokenVerifier.fromPem(publicPem, settings);
    const guard = new AccessTokenGuard(verifier, { perSecond: 1, burst: 3 });
    const alice = await signer.sign({
      userId: 'a0000000-0000-4000-8000-000000000001',
      username: 'alice',
      sessionId: 's1',
    });
    const bob = await signer.sign({ userId: 'b0000000-0000-4000-8000-000000000002', username: 'bob', sessionId: 's2' });
    const { req, ctx } = context(`Bearer ${alice}`);
    await expect(guard.canActivate(ctx)).resolves.toBe(true);
    expect(req.auth).toMatchObject({ username: 'alice' });
    await guard.canActivate(ctx);
    await guard.canActivate(ctx);
    await expect(guard.canActivate(ctx)).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(guard.canActivate(context(`Bearer ${bob}`).ctx)).resolves.toBe(true);
  });

  it('counts on the service shared limits when given them: two guards, one budget per user', async () => {
    const signer = await AccessTokenSigner.fromPem(privatePem, settings);
    const verifier = AccessTokenVerifier.fromPem(publicPem, settings);
    const shared = new UserRateLimits({ http: { perSecond: 1, burst: 2 } }, { keyPrefix: 'spec:' });
    const first = new AccessTokenGuard(verifier, undefined, shared);
    const second = new AccessTokenGuard(verifier, { perSecond: 100, burst: 100 }, shared);
    const dave = await signer.sign({
      userId: 'd0000000-0000-4000-8000-000000000004',
      username: 'dave',
      sessionId: 's4',
    });
    await expect(first.canActivate(context(`Bearer ${dave}`).ctx)).resolves.toBe(true);
    await expect(second.canActivate(context(`Bearer ${dave}`).ctx)).resolves.toBe(true);
    await expect(first.canActivate(context(`Bearer ${dave}`).ctx)).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('answers unauthorized for a missing, malformed or revoked token before any rate limit', async () => {
    const signer = await AccessTokenSigner.fromPem(privatePem, settings);
    const verifier = AccessTokenVerifier.fromPem(publicPem, settings);
    const revoked = new RevokedSessions();
    verifier.useRevocations(revoked);
    const guard = new AccessTokenGuard(verifier, { perSecond: 1, burst: 1 });
    await expect(guard.canActivate(context().ctx)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(guard.canActivate(context('Basic abc').ctx)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(guard.canActivate(context('Bearer not.a.jwt').ctx)).rejects.toMatchObject({ code: 'unauthorized' });
    const token = await signer.sign({
      userId: 'c0000000-0000-4000-8000-000000000003',
      username: 'carol',
      sessionId: 'gone',
    });
    revoked.revoke(
      { userId: 'c0000000-0000-4000-8000-000000000003', sessionId: 'gone' },
      Date.now(),
      Date.now() + 60_000,
    );
    await expect(guard.canActivate(context(`Bearer ${token}`).ctx)).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'session revoked',
    });
  });
});
