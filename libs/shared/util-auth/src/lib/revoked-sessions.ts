import type { SessionRevoked } from '@parley/contracts';

/** What a verifier needs to know about a token to tell whether its session was revoked. */
export interface RevocableClaims {
  userId: string;
  sessionId: string;
  /** `iat`, seconds since epoch. */
  issuedAt: number;
}

export interface RevocationCheck {
  isRevoked(claims: RevocableClaims): boolean;
}

/**
 * The deny-list of revoked sessions, in memory: a Map lookup per request or connection.
 * An entry lives as long as a token of that session can: a session revoked at R has no
 * token valid after R + token lifetime, so the entry is forgotten then (the JetStream stream
 * that feeds it ages out its messages at the same horizon).
 */
export class RevokedSessions implements RevocationCheck {
  private readonly sessions = new Map<string, number>();
  /** userId -> [revokedAt seconds, forget at ms]: every token issued up to then is revoked. */
  private readonly users = new Map<string, [number, number]>();
  private lastPrune = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records a revocation made at `revokedAtMs`, remembered until `forgetAtMs`. Without a
   * sessionId every session of the user opened until then is revoked ("log out everywhere").
   */
  revoke(event: SessionRevoked, revokedAtMs: number, forgetAtMs: number): void {
    if (forgetAtMs <= this.now()) return;
    if (event.sessionId) {
      this.sessions.set(event.sessionId, Math.max(forgetAtMs, this.sessions.get(event.sessionId) ?? 0));
      return;
    }
    const at = Math.floor(revokedAtMs / 1000);
    const prev = this.users.get(event.userId);
    if (!prev || prev[0] < at) this.users.set(event.userId, [at, Math.max(forgetAtMs, prev?.[1] ?? 0)]);
  }

  isRevoked(claims: RevocableClaims): boolean {
    this.prune();
    const until = this.sessions.get(claims.sessionId);
    if (until !== undefined && until > this.now()) return true;
    const user = this.users.get(claims.userId);
    return Boolean(user && user[1] > this.now() && claims.issuedAt <= user[0]);
  }

  /** Whether this session id is on the list (its revocation was seen and is not forgotten yet). */
  hasSession(sessionId: string): boolean {
    const until = this.sessions.get(sessionId);
    return until !== undefined && until > this.now();
  }

  get size(): number {
    return this.sessions.size + this.users.size;
  }

  /** At most once a second: drops entries whose tokens have all expired. */
  private prune(): void {
    const now = this.now();
    if (now - this.lastPrune < 1000) return;
    this.lastPrune = now;
    for (const [id, until] of this.sessions) if (until <= now) this.sessions.delete(id);
    for (const [id, [, until]] of this.users) if (until <= now) this.users.delete(id);
  }
}
