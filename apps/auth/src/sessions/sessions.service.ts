import { randomUUID } from 'node:crypto';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { SessionsRepository } from '@parley/auth/data-access-users';
import { ParleyError } from '@parley/contracts';
import {
  AccessTokenVerifier,
  RevocationStream,
  RevokedSessions,
  type AccessTokenClaims,
} from '@parley/shared/util-auth';
import type { NatsBus } from '@parley/shared/util-nats';

export interface SessionSettings {
  /** Access token lifetime: a revoked session is remembered this long (plus a margin). */
  ttlSeconds: number;
  subjectPrefix: string;
  /** NATS_STREAM_REPLICAS. */
  streamReplicas?: number;
}

/** Clock skew between hosts: revocations outlive the token lifetime by this much. */
const HORIZON_MARGIN_SECONDS = 60;
const HOUSEKEEPING_MS = 3600_000;

/**
 * Login sessions: one per issued token. Logout revokes the session in PostgreSQL, then in the
 * JetStream revocation stream (the gateways' deny-list, and every auth replica's); the answer
 * waits for both, so a 204 means every gateway will refuse the token and close its sockets.
 */
export class SessionsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Sessions');
  readonly revoked = new RevokedSessions();
  private readonly stream: RevocationStream;
  private stopFollowing?: () => void;
  private housekeeping?: NodeJS.Timeout;

  constructor(
    private readonly repo: SessionsRepository,
    bus: NatsBus,
    private readonly verifier: AccessTokenVerifier,
    private readonly settings: SessionSettings,
  ) {
    this.stream = new RevocationStream(bus.connection, {
      subjectPrefix: settings.subjectPrefix,
      replicas: settings.streamReplicas,
    });
  }

  /**
   * Makes the stream match the database: it follows the stream (so this replica refuses revoked
   * tokens too), then publishes any revocation PostgreSQL has and the stream lost (a NATS whose
   * storage was wiped, or a logout whose publish failed).
   */
  async onModuleInit(): Promise<void> {
    await this.stream.ensure(this.settings.ttlSeconds + HORIZON_MARGIN_SECONDS);
    const { stop } = await this.stream.follow(this.revoked);
    this.stopFollowing = stop;
    this.verifier.useRevocations(this.revoked);
    const missing = (await this.repo.revokedAndUnexpired()).filter((r) => !this.revoked.hasSession(r.id));
    for (const row of missing) await this.stream.publish({ userId: row.userId, sessionId: row.id });
    if (missing.length > 0)
      this.logger.warn(
        { republished: missing.length },
        'revoked sessions missing from the stream were published again',
      );
    this.housekeeping = setInterval(() => void this.forgetExpired(), HOUSEKEEPING_MS);
    this.housekeeping.unref();
  }

  /** A new session for a login or registration; its id goes into the token as `sid`. */
  async open(userId: string): Promise<string> {
    const id = randomUUID();
    await this.repo.open(id, userId, new Date(Date.now() + this.settings.ttlSeconds * 1000));
    return id;
  }

  /** Revokes the caller's session, or every session of the caller. Idempotent: safe to retry. */
  async logout(caller: AccessTokenClaims, everywhere: boolean): Promise<{ revoked: number }> {
    const ids = new Set([caller.sessionId]);
    await this.repo.revoke(caller.sessionId, caller.userId);
    if (everywhere) for (const id of await this.repo.revokeAll(caller.userId)) ids.add(id);
    try {
      for (const sessionId of ids) await this.stream.publish({ userId: caller.userId, sessionId });
    } catch (err) {
      // PostgreSQL has it; the stream must too before we say so. The client retries.
      this.logger.warn({ err }, 'logout: revocation not published');
      throw new ParleyError('unavailable', 'the logout could not be recorded everywhere; retry');
    }
    const now = Date.now();
    for (const sessionId of ids)
      this.revoked.revoke(
        { userId: caller.userId, sessionId },
        now,
        now + (this.settings.ttlSeconds + HORIZON_MARGIN_SECONDS) * 1000,
      );
    return { revoked: ids.size };
  }

  private async forgetExpired(): Promise<void> {
    try {
      await this.repo.deleteExpiredBefore(new Date(Date.now() - 86400_000));
    } catch (err) {
      this.logger.warn({ err }, 'session housekeeping failed');
    }
  }

  onApplicationShutdown(): void {
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.stopFollowing?.();
  }
}
