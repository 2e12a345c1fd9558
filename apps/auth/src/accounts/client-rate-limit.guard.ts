import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ParleyError } from '@parley/contracts';
import type { Request, Response } from 'express';
import { AuthLimits } from '../limits/auth-limits';

/** Which per-client limit a route takes: `login` per (address, username), `register` per address. */
export const ClientRateLimit = Reflector.createDecorator<'login' | 'register'>();

/**
 * Counts an attempt against the caller's address before anything else is checked. The
 * address is req.ip: the client behind a proxy of TRUSTED_PROXIES, else the peer itself, so
 * a client cannot pick a fresh address per attempt with X-Forwarded-For. A login counts per
 * (address, username): a guesser is slowed down on the account it targets, without one busy
 * address (a NAT) locking everyone else out. Over the limit: 429 `rate_limited` with
 * Retry-After (seconds until the window ends).
 */
@Injectable()
export class ClientRateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: AuthLimits,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const name = this.reflector.get(ClientRateLimit, context.getHandler());
    if (!name) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const address = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
    const key = name === 'login' ? `${address}|${usernameOf(req.body)}` : address;
    const verdict = await this.limits.rates.take(name, key);
    if (verdict.allowed) return true;
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(verdict.retryAfterSeconds));
    throw new ParleyError('rate_limited', 'too many attempts; retry later');
  }
}

/** The body is not validated yet (guards run first): any shape may come. */
function usernameOf(body: unknown): string {
  const username = (body as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? username.slice(0, 128).toLowerCase() : '';
}
