import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';

/**
 * Login attempts per (client address, username): a password guesser is slowed down on the
 * account it targets, without one busy address (a NAT) locking everyone else out.
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const r = req as unknown as Request;
    const body = r.body as { username?: unknown } | undefined;
    const username = typeof body?.username === 'string' ? body.username.slice(0, 128).toLowerCase() : '';
    return `${r.ip ?? r.socket?.remoteAddress ?? 'unknown'}|${username}`;
  }
}
