import {
  createParamDecorator,
  Inject,
  Injectable,
  Optional,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ParleyError } from '@parley/contracts';
import type { Request } from 'express';
import { AccessTokenVerifier, type AccessTokenClaims } from './access-token';
import { KeyedRateLimiter, type RateLimitSettings } from './rate-limiter';

/** Per-user HTTP rate limit of AccessTokenGuard (provide it to configure; this is the default). */
export const HTTP_RATE_LIMIT = Symbol('HTTP_RATE_LIMIT');
export const DEFAULT_HTTP_RATE_LIMIT: RateLimitSettings = { perSecond: 50, burst: 200 };

interface AuthedRequest extends Request {
  auth?: AccessTokenClaims;
}

/**
 * HTTP guard: `Authorization: Bearer <accessToken>`, verified with the public key only (and
 * the revocation list, when one is attached to the verifier), then a per-user rate limit.
 * The limit is checked before the body is validated: an over-limit request costs nothing
 * downstream, whatever it carries.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly limiter: KeyedRateLimiter;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    @Optional() @Inject(HTTP_RATE_LIMIT) limit?: RateLimitSettings,
  ) {
    this.limiter = new KeyedRateLimiter(limit ?? DEFAULT_HTTP_RATE_LIMIT);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    if (!header || !header.startsWith('Bearer ')) throw new ParleyError('unauthorized', 'missing access token');
    const claims = await this.verifier.verify(header.slice('Bearer '.length).trim());
    if (!this.limiter.tryTake(claims.userId)) throw new ParleyError('rate_limited', 'too many requests; slow down');
    req.auth = claims;
    return true;
  }
}

/** The verified caller of a guarded route. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AccessTokenClaims => {
  const auth = context.switchToHttp().getRequest<AuthedRequest>().auth;
  if (!auth) throw new ParleyError('unauthorized', 'missing access token');
  return auth;
});
