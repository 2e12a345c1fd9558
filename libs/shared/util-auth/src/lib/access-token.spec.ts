import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { AccessTokenSigner, AccessTokenVerifier, keyIdOf } from './access-token';
import { RevokedSessions } from './revoked-sessions';

const settings = { issuer: 'parley-auth', audience: 'parley', ttlSeconds: 3600 };

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

describe('access tokens', () => {
  const current = keyPair();
  const user = { userId: '7b0d3c52-1a7e-4f4e-9d57-5e0f0c2b9a11', username: 'alice', sessionId: 's1' };

  it('verifies a token signed with the matching private key', async () => {
    const signer = await AccessTokenSigner.fromPem(current.privatePem, settings);
    const verifier = AccessTokenVerifier.fromPem(current.publicPem, settings);
    const claims = await verifier.verify(await signer.sign(user));
    expect(claims).toMatchObject({ userId: user.userId, username: 'alice', sessionId: 's1' });
  });

  it('rejects an expired token as unauthorized', async () => {
    const signer = await AccessTokenSigner.fromPem(current.privatePem, settings);
    const verifier = AccessTokenVerifier.fromPem(current.publicPem, settings);
    const old = await signer.sign(user, Math.floor(Date.now() / 1000) - 7200);
    await expect(verifier.verify(old)).rejects.toMatchObject({ code: 'unauthorized', message: 'access token expired' });
  });

  it('rejects a token signed by another key, a tampered one, and alg none', async () => {
    const other = keyPair();
    const verifier = AccessTokenVerifier.fromPem(current.publicPem, settings);
    const foreign = await (await AccessTokenSigner.fromPem(other.privatePem, settings)).sign(user);
    await expect(verifier.verify(foreign)).rejects.toMatchObject({ code: 'unauthorized' });

    const good = await (await AccessTokenSigner.fromPem(current.privatePem, settings)).sign(user);
    const [h, p, s] = good.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    await expect(verifier.verify(`${h}.${forged}.${s}`)).rejects.toMatchObject({ code: 'unauthorized' });

    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expect(verifier.verify(`${none}.${p}.`)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('rejects the wrong audience or issuer, and HS256 made with the public key', async () => {
    const verifier = AccessTokenVerifier.fromPem(current.publicPem, settings);
    const wrongAud = await (
      await AccessTokenSigner.fromPem(current.privatePem, { ...settings, audience: 'x' })
    ).sign(user);
    await expect(verifier.verify(wrongAud)).rejects.toMatchObject({ code: 'unauthorized' });
    const wrongIss = await (
      await AccessTokenSigner.fromPem(current.privatePem, { ...settings, issuer: 'x' })
    ).sign(user);
    await expect(verifier.verify(wrongIss)).rejects.toMatchObject({ code: 'unauthorized' });
    const hs = await new SignJWT({ sid: 's1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.userId)
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(current.publicPem));
    await expect(verifier.verify(hs)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('accepts tokens of every listed key during a rotation', async () => {
    const next = keyPair();
    const verifier = AccessTokenVerifier.fromPem(`${current.publicPem}\n${next.publicPem}`, settings);
    for (const pair of [current, next]) {
      const token = await (await AccessTokenSigner.fromPem(pair.privatePem, settings)).sign(user);
      await expect(verifier.verify(token)).resolves.toMatchObject({ userId: user.userId });
    }
  });

  /** A token with chosen header and claims, signed ES256 with the real private key. */
  async function craft(
    header: Record<string, unknown>,
    claims: Record<string, unknown>,
    pem = current.privatePem,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      sub: user.userId,
      iss: settings.issuer,
      aud: settings.audience,
      iat: now,
      exp: now + 60,
      sid: 's1',
      username: 'alice',
      ...claims,
    };
    for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
    const protectedHeader = { alg: 'ES256', typ: 'JWT', kid: keyIdOf(createPublicKey(pem)), ...header };
    for (const k of Object.keys(protectedHeader))
      if ((protectedHeader as Record<string, unknown>)[k] === undefined)
        delete (protectedHeader as Record<string, unknown>)[k];
    return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(await importPKCS8(pem, 'ES256'));
  }

  it('checks nbf with a small clock tolerance, and requires iat and sid', async () => {
    const verifier = AccessTokenVerifier.fromPem(current.publicPem, settings);
    const now = Math.floor(Date.now() / 1000);
    await expect(verifier.verify(await craft({}, { nbf: now + 120 }))).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'access token not valid yet',
    });
    await expect(verifier.verify(await craft({}, { nbf: now + 2 }))).resolves.toMatchObject({ userId: user.userId });
    await expect(verifier.verify(await craft({}, { iat: undefined }))).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(verifier.verify(await craft({}, { sid: undefined }))).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(verifier.verify(await craft({ typ: 'at+jwt' }, {}))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a token older than the maximum age even when its exp is later', async () => {
    const now = Math.floor(Date.now() / 1000);
    const verifier = AccessTokenVerifier.fromPem(current.publicPem, settings);
    // Issued 25 hours ago, valid for 30 days: the default maximum age (one day) refuses it.
    const ancient = await craft({}, { iat: now - 25 * 3600, nbf: now - 25 * 3600, exp: now + 30 * 86400 });
    await expect(verifier.verify(ancient)).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/expired.*maximum token age/),
    });
    const recent = await craft({}, { iat: now - 23 * 3600, exp: now + 30 * 86400 });
    await expect(verifier.verify(recent)).resolves.toMatchObject({ userId: user.userId });

    const strict = AccessTokenVerifier.fromPem(current.publicPem, { ...settings, maxAgeSeconds: 600 });
    await expect(strict.verify(await craft({}, { iat: now - 700, exp: now + 3600 }))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(strict.verify(await craft({}, { iat: now - 500, exp: now + 3600 }))).resolves.toMatchObject({
      userId: user.userId,
    });
    // An iat in the future (beyond the clock tolerance) is refused too.
    await expect(strict.verify(await craft({}, { iat: now + 120, exp: now + 3600 }))).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });

  it('pins the key id: unknown kids are refused, and a kid is required once two keys are configured', async () => {
    const next = keyPair();
    const single = AccessTokenVerifier.fromPem(current.publicPem, settings);
    await expect(single.verify(await craft({ kid: 'ffffffffffffffff' }, {}))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(single.verify(await craft({ kid: undefined }, {}))).resolves.toMatchObject({ userId: user.userId });
    const rotating = AccessTokenVerifier.fromPem(`${current.publicPem}${next.publicPem}`, settings);
    expect(rotating.keyIds).toEqual([
      keyIdOf(createPublicKey(current.publicPem)),
      keyIdOf(createPublicKey(next.publicPem)),
    ]);
    await expect(rotating.verify(await craft({ kid: undefined }, {}))).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(rotating.verify(await craft({}, {}, next.privatePem))).resolves.toMatchObject({ userId: user.userId });
    // A token signed by the next key but naming the current key's id is a forgery.
    await expect(
      rotating.verify(await craft({ kid: keyIdOf(createPublicKey(current.publicPem)) }, {}, next.privatePem)),
    ).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses tokens of revoked sessions once a revocation list is attached', async () => {
    const signer = await AccessTokenSigner.fromPem(current.privatePem, settings);
    const verifier = AccessTokenVerifier.fromPem(current.publicPem, settings);
    const revoked = new RevokedSessions();
    verifier.useRevocations(revoked);
    const a = await signer.sign({ ...user, sessionId: 'session-a' });
    const b = await signer.sign({ ...user, sessionId: 'session-b' });
    revoked.revoke({ userId: user.userId, sessionId: 'session-a' }, Date.now(), Date.now() + 60_000);
    await expect(verifier.verify(a)).rejects.toMatchObject({ code: 'unauthorized', message: 'session revoked' });
    await expect(verifier.verify(b)).resolves.toMatchObject({ sessionId: 'session-b' });
  });
});
