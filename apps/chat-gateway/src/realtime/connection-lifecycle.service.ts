import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventListV1, MessageHistoryV1, ParleyError, type SessionRevoked } from '@parley/contracts';
import { AccessTokenVerifier, type AccessTokenClaims } from '@parley/shared/util-auth';
import { NatsBus } from '@parley/shared/util-nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { EventCatchUpService } from '../delivery/event-catch-up.service';
import { HeadsWatch } from '../delivery/heads-watch.service';
import { RepairMetrics } from '../delivery/repair.metrics';
import { ReplayService } from '../delivery/replay.service';
import { PresenceLinkService } from '../presence/presence-link.service';
import { GatewayLimits } from '../security/gateway-limits';
import { SecurityMetrics } from '../security/security.metrics';
import { SessionRevocations } from '../security/session-revocations';
import { ClientConnection } from '../connections/client-connection';
import { ConnectionRegistry } from '../connections/connection-registry';
import type { ConnectionTransport } from '../connections/connection-transport';
import { ExpirySchedule } from '../connections/expiry-schedule';
import type { SharedEventDeps, SharedOrderDeps } from '../connections/order-sinks';

/** A connection's resume point: absent is v1 (replay by watermark); else an integer >= 0. */
export type Since = number | undefined | 'invalid';

/**
 * The life of a client connection, the same on every edge (Socket.IO, gRPC): admission (token,
 * `since`, per-user cap here and across gateways via presence), opening (revocation re-check,
 * registry, token expiry, replay or event catch-up), closing (registry, presence), and closing
 * every connection of a session that is revoked.
 */
@Injectable()
export class ConnectionLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ConnectionLifecycle.name);
  private readonly revocations: SessionRevocations;
  /** What every connection's MessageOrder and EventOrder share: made once here, not per connection. */
  private readonly orderDeps: SharedOrderDeps;
  private readonly eventDeps: SharedEventDeps;
  /** Closes a connection when its access token expires (one timer for all of them). */
  private readonly expiries = new ExpirySchedule<ClientConnection>((conn) =>
    conn.transport.close({ code: 'unauthorized', message: 'access token expired' }),
  );

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly registry: ConnectionRegistry,
    private readonly replay: ReplayService,
    private readonly catchUp: EventCatchUpService,
    private readonly presence: PresenceLinkService,
    private readonly limits: GatewayLimits,
    heads: HeadsWatch,
    repairMetrics: RepairMetrics,
    private readonly securityMetrics: SecurityMetrics,
    private readonly bus: NatsBus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.revocations = new SessionRevocations(bus, config.nats, (event) => this.closeRevoked(event));
    this.orderDeps = {
      // A gap fill is a history read of the user: it waits its turn like an HTTP page.
      fetchAfter: (userId, chatId, afterSeq, limit) =>
        this.limits.readHistory(userId, async () => {
          repairMetrics.gapFills.inc({ stream: 'chat' });
          return (await this.bus.request(MessageHistoryV1, { chatId, userId, after: afterSeq, limit })).messages;
        }),
      gapFillDelayMs: config.delivery.gapFillDelayMs,
      onError: (err) => this.logger.warn({ err }, 'gap fill failed'),
      onSkipped: (chatId, fromSeq, toSeq) => {
        repairMetrics.gapsSkipped.inc();
        this.logger.warn(
          { chatId, fromSeq, toSeq },
          'gap not filled after every retry: skipped until the next connect',
        );
      },
      ...heads.orderDeps,
    };
    this.eventDeps = {
      fetchAfter: (userId, since, limit) =>
        this.limits.readHistory(userId, () => {
          repairMetrics.gapFills.inc({ stream: 'events' });
          return this.bus.request(EventListV1, { userId, since, limit });
        }),
      gapFillDelayMs: config.delivery.gapFillDelayMs,
      onError: (err) => this.logger.warn({ err }, 'event gap fill failed'),
    };
  }

  /** Before the first connection: the deny-list of revoked sessions is complete (or start-up fails). */
  async onModuleInit(): Promise<void> {
    await this.revocations.start(this.verifier, this.config.security.revocationsReplayTimeoutMs);
  }

  onApplicationShutdown(): void {
    this.revocations.stop();
    this.expiries.stop();
  }

  /**
   * Admits a connection before the client is told it is connected: answers its claims, or throws
   * ParleyError `unauthorized` (token), `invalid` (since; checked after the token, the protocol's
   * order) or `rate_limited` (the per-user cap). Registered with presence under `connectionId`
   * when admitted, so a client that connects a second device and closes the first is never shown
   * offline in between; the edge calls open() or abandon() next.
   */
  async admit(token: unknown, since: Since, connectionId: string): Promise<AccessTokenClaims> {
    let claims: AccessTokenClaims;
    try {
      claims = await this.verifier.verify(token);
    } catch {
      this.securityMetrics.rejected.inc({ reason: 'unauthorized' });
      throw new ParleyError('unauthorized', 'missing, invalid or expired access token');
    }
    if (since === 'invalid') throw new ParleyError('invalid', 'since must be an integer >= 0');
    const refused = () => {
      this.securityMetrics.rejected.inc({ reason: 'connections_per_user' });
      return new ParleyError('rate_limited', 'too many connections for this user');
    };
    if (this.registry.connectionCount(claims.userId) >= this.config.limits.maxConnectionsPerUser) throw refused();
    // Presence applies the per-user cap across gateways.
    if (!(await this.presence.connected({ userId: claims.userId, id: connectionId }))) throw refused();
    return claims;
  }

  /** An admitted connection that went away before open(). */
  abandon(claims: AccessTokenClaims, connectionId: string): void {
    void this.presence.disconnected({ userId: claims.userId, id: connectionId });
  }

  /**
   * Opens an admitted connection: registered, its expiry armed, its replay (v1) or catch-up
   * (`since`) started. Undefined when its session was revoked meanwhile (the transport is closed).
   */
  open(
    transport: ConnectionTransport,
    claims: AccessTokenClaims,
    since: number | undefined,
  ): ClientConnection | undefined {
    // Revoked while the handshake was in flight: the revocation found no connection to close.
    if (this.revocations.list.isRevoked(claims)) {
      transport.close({ code: 'unauthorized', message: 'session revoked' });
      this.abandon(claims, transport.id);
      return undefined;
    }
    const conn = new ClientConnection(
      transport,
      claims,
      this.orderDeps,
      since === undefined ? undefined : { deps: this.eventDeps, since },
    );
    this.registry.add(conn);
    this.expiries.add(conn);
    void (conn.events ? this.catchUp.catchUp(conn) : this.replay.replay(conn));
    return conn;
  }

  /** The connection ended (either side). */
  closed(conn: ClientConnection): void {
    this.registry.remove(conn);
    this.expiries.remove(conn);
    conn.dispose();
    void this.presence.disconnected(conn);
  }

  /** A logout: every connection of the user whose token the deny-list now refuses is closed. */
  private closeRevoked({ userId }: SessionRevoked): void {
    for (const conn of [...this.registry.connectionsOf(userId)]) {
      if (!this.revocations.list.isRevoked(conn.claims)) continue;
      this.securityMetrics.sessionsClosed.inc();
      conn.transport.close({ code: 'unauthorized', message: 'session revoked' });
    }
  }
}
