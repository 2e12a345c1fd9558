import {
  createParamDecorator,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ParleyError } from '@parley/contracts';
import type { Request } from 'express';
import { AccessTokenVerifier, type AccessTokenClaims } from './access-token';

interface AuthedRequest extends Request {
  auth?: AccessTokenClaims;
}

/** HTTP guard: `Authorization: Bearer <accessToken>`, verified with the public key only. */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    if (!header || !header.startsWith('Bearer ')) throw new ParleyError('unauthorized', 'missing access token');
    req.auth = await this.verifier.verify(header.slice('Bearer '.length).trim());
    return true;
  }
}

/** The verified caller of a guarded route. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AccessTokenClaims => {
  const auth = context.switchToHttp().getRequest<AuthedRequest>().auth;
  if (!auth) throw new ParleyError('unauthorized', 'missing access token');
  return auth;
});
