import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventListV1, EventStreamLimits, ServerEvents } from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import type { ClientConnection } from '../connections/client-connection';
import { GatewayLimits } from '../security/gateway-limits';
import { acquireReplaySlot } from './replay-slot';
import { SecurityMetrics } from '../security/security.metrics';

/**
 * On connect with `since`: every event of the user after it, in eventSeq order, page by page
 * (waiting for the socket to drain between pages), then live. Live events that arrive
 * meanwhile wait in the connection's EventOrder, which sends each eventSeq once. Shares the
 * replay's concurrency limit: a reconnect storm waits in the same line.
 */
@Injectable()
export class EventCatchUpService {
  private readonly logger = new Logger(EventCatchUpService.name);

  constructor(
    private readonly bus: NatsBus,
    private readonly limits: GatewayLimits,
    private readonly securityMetrics: SecurityMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async catchUp(conn: ClientConnection): Promise<number> {
    const events = conn.events;
    if (!events) return 0;
    events.startCatchUp();
    const release = await acquireReplaySlot(
      conn,
      this.limits,
      this.securityMetrics,
      'gateway busy; reconnect later (with the same since) to catch up',
    );
    if (!release) {
      events.finishCatchUp();
      return 0;
    }
    let sent = 0;
    const limit = Math.min(EventStreamLimits.maxLimit, this.config.delivery.replayPageSize);
    try {
      while (conn.connected) {
        const page = await this.bus.request(EventListV1, { userId: conn.userId, since: events.lastEventSeq, limit });
        if (page.resyncRequired) {
          // Below what is kept: the client rebuilds over HTTP; this connection goes on live only.
          conn.transport.emit(ServerEvents.ResyncRequired, { oldestEventSeq: page.oldestEventSeq ?? 1 });
          events.skipTo(page.lastEventSeq ?? events.lastEventSeq);
          break;
        }
        for (const event of page.events) events.caughtUp(event);
        sent += page.events.length;
        if (!page.hasMore || page.events.length === 0) break;
        await conn.writable();
      }
    } catch (err) {
      // Nothing is lost: the client reconnects with the eventSeq it has.
      this.logger.warn({ err, userId: conn.userId }, 'event catch-up interrupted');
      conn.transport.emit(ServerEvents.ReplayFailed, {
        code: 'unavailable',
        message: 'catch-up interrupted; reconnect with your last eventSeq to resume',
      });
    } finally {
      release();
      events.finishCatchUp();
    }
    return sent;
  }
}
