import { Logger } from '@nestjs/common';
import { SessionRevokedV1, type SessionRevoked } from '@parley/contracts';
import { RevocationStream, RevokedSessions, type AccessTokenVerifier } from '@parley/shared/util-auth';
import type { NatsBus } from '@parley/shared/util-nats';

/**
 * This gateway's deny-list of revoked sessions (logout). At start it replays auth's JetStream
 * stream of revocations (entries live as long as a token can), then follows it; the verifier
 * then refuses those tokens on HTTP and Socket.IO alike, for one Map lookup per request. Live
 * revocations also arrive on the plain subject, the fastest path to close the sockets.
 */
export class SessionRevocations {
  private readonly logger = new Logger('SessionRevocations');
  readonly list = new RevokedSessions();
  private readonly stream: RevocationStream;
  private horizonMs = 3600_000;
  private stopFollowing?: () => void;

  constructor(
    private readonly bus: NatsBus,
    stream: { subjectPrefix: string; streamReplicas?: number },
    private readonly onRevoked: (event: SessionRevoked) => void,
  ) {
    this.stream = new RevocationStream(bus.connection, {
      subjectPrefix: stream.subjectPrefix,
      replicas: stream.streamReplicas,
    });
  }

  /** Replays the stream (bounded wait), then attaches the list to the verifier. */
  async start(verifier: AccessTokenVerifier, timeoutMs: number): Promise<void> {
    const { maxAgeSeconds } = await this.stream.ensure();
    this.horizonMs = maxAgeSeconds * 1000;
    const { stop, replayed } = await this.stream.follow(
      this.list,
      (event, live) => live && this.onRevoked(event),
      timeoutMs,
    );
    this.stopFollowing = stop;
    verifier.useRevocations(this.list);
    this.bus.subscribe(SessionRevokedV1, (event) => {
      const now = Date.now();
      this.list.revoke(event, now, now + this.horizonMs);
      this.onRevoked(event);
    });
    this.logger.log({ replayed, stream: this.stream.name }, 'revoked sessions replayed');
  }

  stop(): void {
    this.stopFollowing?.();
  }
}
