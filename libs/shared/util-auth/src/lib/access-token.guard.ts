import {
  createParamDecorator,
  Inject,
  Injectable,
  Optional,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ParleyError } from '@parley/contracts';
import { UserRateLimits, type RateLimit } from '@parley/shared/util-rate-limit';
import type { Request } from 'express';
import { AccessTokenVerifier, type AccessTokenClaims } from './access-token';

/** Per-user HTTP rate limit of AccessTokenGuard (provide it to configure; this is the default). */
const HTTP_RATE_LIMIT = Symbol('HTTP_RATE_LIMIT');
const DEFAULT_HTTP_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 200 };

/**
 * A service's shared UserRateLimits with an `http` limit (e.g. Redis-backed, so the limit
 * holds across replicas). Without it the guard counts in this process, at HTTP_RATE_LIMIT.
 */
export const HTTP_USER_RATE_LIMITS = Symbol('HTTP_USER_RATE_LIMITS');
export type HttpUserRateLimits = Pick<UserRateLimits<'http'>, 'tryTake'>;

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
  private readonly limits: HttpUserRateLimits;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    @Optional() @Inject(HTTP_RATE_LIMIT) limit?: RateLimit,
    @Optional() @Inject(HTTP_USER_RATE_LIMITS) shared?: HttpUserRateLimits,
  ) {
    this.limits = shared ?? new UserRateLimits({ http: limit ?? DEFAULT_HTTP_RATE_LIMIT }, { keyPrefix: 'guard:' });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    if (!header || !header.startsWith('Bearer ')) throw new ParleyError('unauthorized', 'missing access token');
    const claims = await this.verifier.verify(header.slice('Bearer '.length).trim());
    if (!(await this.limits.tryTake('http', claims.userId)))
      throw new ParleyError('rate_limited', 'too many requests; slow down');
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
