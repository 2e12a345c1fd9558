import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT, importPKCS8 } from 'jose';
import { ParleyError } from '@parley/contracts';
import type { RevocationCheck } from './revoked-sessions';

/** Algorithm pinned: verifiers accept nothing else (no `none`, no HMAC confusion). */
const ACCESS_TOKEN_ALG = 'ES256';

export interface AccessTokenClaims {
  /** The user id. */
  userId: string;
  username: string;
  /** The login session; revoking it closes its sockets. */
  sessionId: string;
  /** Expiry, seconds since epoch. */
  expiresAt: number;
  /** Issue time (`iat`), seconds since epoch. */
  issuedAt: number;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  /** Clock skew tolerated on exp / nbf / iat between the signer's host and ours (default 5 s). */
  clockToleranceSeconds?: number;
  /**
   * Oldest token accepted, counted from its `iat` whatever its `exp` says (JWT_MAX_AGE_SECONDS,
   * default DEFAULT_TOKEN_MAX_AGE_SECONDS): bounds the life of a token minted with a long
   * lifetime, e.g. by a leaked signing key or a misconfigured JWT_TTL_SECONDS.
   */
  maxAgeSeconds?: number;
}

/** One day. */
const DEFAULT_TOKEN_MAX_AGE_SECONDS = 86400;

/**
 * Verifies access tokens with public keys only. Pinned: ES256 and nothing else (no `none`,
 * no HMAC keyed with the public key), `typ: JWT`, a known key id (required as soon as two keys
 * are configured, during a rotation), issuer, audience, exp / nbf / iat with a small clock
 * tolerance, a maximum age from iat, and the claims Parley needs (sub, sid). A revocation check, when attached,
 * refuses tokens of revoked sessions.
 */
export class AccessTokenVerifier {
  private revocations?: RevocationCheck;

  private constructor(
    private readonly keys: Map<string, KeyObject>,
    private readonly settings: TokenSettings,
  ) {}

  /** Tokens of sessions this check reports revoked are refused from now on. */
  useRevocations(check: RevocationCheck): void {
    this.revocations = check;
  }

  /** Key ids accepted (the first 16 hex of each public key's SHA-256). */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * Public keys in PEM (SPKI); several may be given, separated by blank lines or
   * concatenated, so a rotation can add the next key before signing with it.
   */
  static fromPem(pem: string, settings: TokenSettings): AccessTokenVerifier {
    const blocks = pem.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
    if (blocks.length === 0) throw new Error('JWT_PUBLIC_KEY holds no PEM public key');
    const keys = new Map<string, KeyObject>();
    for (const block of blocks) {
      const key = createPublicKey(block);
      keys.set(keyIdOf(key), key);
    }
    return new AccessTokenVerifier(keys, settings);
  }

  async verify(token: unknown): Promise<AccessTokenClaims> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new ParleyError('unauthorized', 'missing access token');
    }
    const claims = await this.verifySignature(token);
    if (this.revocations?.isRevoked(claims)) throw new ParleyError('unauthorized', 'session revoked');
    return claims;
  }

  private async verifySignature(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid
            ? this.keys.get(header.kid)
            : this.keys.size === 1
              ? [...this.keys.values()][0]
              : undefined;
          if (!key) throw new ParleyError('unauthorized', 'unknown signing key');
          return key;
        },
        {
          algorithms: [ACCESS_TOKEN_ALG],
          typ: 'JWT',
          issuer: this.settings.issuer,
          audience: this.settings.audience,
          clockTolerance: this.settings.clockToleranceSeconds ?? 5,
          requiredClaims: ['exp', 'iat', 'sub', 'sid'],
          maxTokenAge: this.settings.maxAgeSeconds ?? DEFAULT_TOKEN_MAX_AGE_SECONDS,
        },
      );
      if (
        typeof payload.sub !== 'string' ||
        typeof payload['sid'] !== 'string' ||
        typeof payload.exp !== 'number' ||
        typeof payload.iat !== 'number'
      ) {
        throw new ParleyError('unauthorized', 'malformed access token');
      }
      return {
        userId: payload.sub,
        username: typeof payload['username'] === 'string' ? payload['username'] : '',
        sessionId: payload['sid'],
        expiresAt: payload.exp,
        issuedAt: payload.iat,
      };
    } catch (err) {
      if (err instanceof ParleyError) throw err;
      // jose reports a token past maxTokenAge as JWTExpired on the `iat` claim.
      if (err instanceof joseErrors.JWTExpired && err.claim === 'iat')
        throw new ParleyError('unauthorized', 'access token expired (older than the maximum token age)');
      if (err instanceof joseErrors.JWTExpired) throw new ParleyError('unauthorized', 'access token expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf')
        throw new ParleyError('unauthorized', 'access token not valid yet');
      throw new ParleyError('unauthorized', 'invalid access token');
    }
  }
}

/** A stable key id: the first 16 hex chars of the SHA-256 of the SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export class AccessTokenSigner {
  private constructor(
    private readonly key: Awaited<ReturnType<typeof importPKCS8>>,
    private readonly keyId: string,
    private readonly settings: TokenSettings & { ttlSeconds: number },
  ) {}

  /** Key id of the signing key: the verifiers need its public key before tokens carry it. */
  get kid(): string {
    return this.keyId;
  }

  static async fromPem(
    privatePem: string,
    settings: TokenSettings & { ttlSeconds: number },
  ): Promise<AccessTokenSigner> {
    const key = await importPKCS8(privatePem, ACCESS_TOKEN_ALG);
    const publicKey = createPublicKey(privatePem);
    return new AccessTokenSigner(key, keyIdOf(publicKey), settings);
  }

  async sign(
    user: { userId: string; username: string; sessionId: string },
    nowSeconds = Math.floor(Date.now() / 1000),
  ): Promise<string> {
    return new SignJWT({ username: user.username, sid: user.sessionId })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: this.keyId, typ: 'JWT' })
      .setSubject(user.userId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds - 5)
      .setExpirationTime(nowSeconds + this.settings.ttlSeconds)
      .sign(this.key);
  }
}
