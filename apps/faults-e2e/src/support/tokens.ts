import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { keyIdOf } from '@parley/shared/util-auth';
import { importPKCS8, SignJWT } from 'jose';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/**
 * Forged and broken access tokens: everything an attacker (or a buggy client) could present.
 * Each must be refused as `unauthorized` by the gateway (HTTP and Socket.IO) and by auth.
 */
export async function hostileTokens(
  realPrivatePem: string,
  realPublicPem: string,
  user: { id: string; username: string },
): Promise<Record<string, string>> {
  const now = Math.floor(Date.now() / 1000);
  const kid = keyIdOf(createPublicKey(realPublicPem));
  const claims = {
    sub: user.id,
    username: user.username,
    sid: 'forged-session',
    iss: 'parley-auth',
    aud: 'parley',
    iat: now,
    nbf: now - 5,
    exp: now + 600,
  };
  const es256 = async (
    payload: Record<string, unknown>,
    header: Record<string, unknown> = {},
    pem = realPrivatePem,
  ) => {
    const p: Record<string, unknown> = { ...claims, ...payload };
    for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
    return new SignJWT(p)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid, ...header })
      .sign(await importPKCS8(pem, 'ES256'));
  };
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const attackerPem = attacker.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const valid = await es256({});
  const [h, p, s] = valid.split('.');
  return {
    'alg none': `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims)}.`,
    'alg none, no dot': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}`,
    'HS256 keyed with the public key': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
      .sign(new TextEncoder().encode(realPublicPem)),
    'RS256 with the real kid': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .sign(rsa.privateKey),
    "attacker's key, real kid": await es256({}, {}, attackerPem),
    "attacker's key, its own kid": await es256({}, { kid: keyIdOf(attacker.publicKey) }, attackerPem),
    expired: await es256({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 }),
    'not valid yet (nbf in 10 min)': await es256({ nbf: now + 600 }),
    'wrong issuer': await es256({ iss: 'evil' }),
    'wrong audience': await es256({ aud: 'other-app' }),
    'no session id': await es256({ sid: undefined }),
    'no expiry': await es256({ exp: undefined }),
    'tampered payload': `${h}.${b64({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })}.${s}`,
    'signature of another token': `${h}.${p}.${(await es256({ sid: 'other' })).split('.')[2]}`,
    garbage: 'not-a-token',
    'three dots': '...',
    'oversized (8 kB)': `${h}.${b64({ ...claims, pad: 'x'.repeat(6000) })}.${s}`,
  };
}
