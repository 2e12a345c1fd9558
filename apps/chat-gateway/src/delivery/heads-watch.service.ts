import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  ChatGetV1,
  ChatHeadsDigestV1,
  ChatHeadsRecoverV1,
  HeadsLimits,
  ParleyError,
  ServerEvents,
  toChatEvent,
  type ChatHeadsDigest,
  type ChatHeadsRecoverRequest,
} from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import type { ClientConnection } from '../connections/client-connection';
import { ConnectionRegistry } from '../connections/connection-registry';
import { ChatHolders } from './chat-holders';
import { FetchLimiter } from './fetch-limiter';
import type { MessageOrderDeps } from './message-order';
import { RepairMetrics } from './repair.metrics';

/** A message the store reports may still be in flight live for this long before it is fetched. */
const HEAD_GRACE_MS = 250;
/** Recovery looks back this much further than the last digest it trusts (clock skew, commit-to-publish lag). */
const RECOVERY_MARGIN_MS = 10_000;
/** The store refuses a look-back of more than an hour. */
const MAX_LOOKBACK_MS = 50 * 60 * 1000;
/** A publisher that missed this many intervals is gone: what it committed last may be unpublished. */
const SILENT_INTERVALS = 3;
const CHECK_EVERY_MS = 1000;
/** Store reads of gap fill and repair in flight per gateway (the rest queue here, not in message-store). */
const MAX_FETCHES_IN_FLIGHT = 32;

interface PublisherState {
  digestSeq: number;
  lastAt: number;
  intervalMs: number;
}

/**
 * Live-delivery repair, gateway side (docs/architecture.md). Every message-store replica
 * publishes the heads it committed (chat.heads.digest.v1); a connection whose cursor is
 * behind a head fetches the rest from the store, so a delivery lost between gateways (NATS
 * restart, slow-consumer drop, a gateway dying mid-fan-out, a failed presence lookup) reaches
 * a connected client within about one interval plus HEAD_GRACE_MS. An idle connection costs
 * nothing per tick: a head is one Map lookup (ChatHolders), and nothing is sent per connection.
 * When digests themselves may be lost (a gap in a publisher's digestSeq, a silent publisher,
 * this gateway's NATS reconnect) it asks chat.heads.recover.v1 for its users' recently moved
 * chats instead, page by page.
 */
@Injectable()
export class HeadsWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeadsWatch.name);
  readonly holders = new ChatHolders();
  /** Gap fill and repair reads of all connections here, MAX_FETCHES_IN_FLIGHT at a time. */
  private readonly fetches = new FetchLimiter(MAX_FETCHES_IN_FLIGHT);
  private readonly publishers = new Map<string, PublisherState>();
  /** Earliest time a pending recovery must look back to (undefined: none pending). */
  private recoverSince?: number;
  private recoverReason = '';
  private recovering = false;
  private disconnectedAt?: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly bus: NatsBus,
    private readonly registry: ConnectionRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly repairMetrics: RepairMetrics,
  ) {}

  /** What every connection's MessageOrder needs to take part. */
  get orderDeps(): Pick<MessageOrderDeps, 'holders' | 'headGraceMs' | 'fetchLimiter'> {
    return { holders: this.holders, headGraceMs: HEAD_GRACE_MS, fetchLimiter: this.fetches };
  }

  onApplicationBootstrap(): void {
    if (this.config.testDisableHeadsRepair) return; // a cost measurement's baseline
    this.bus.subscribe(ChatHeadsDigestV1, (digest) => this.onDigest(digest), {
      onError: (err) => this.logger.error({ err }, 'heads digest failed'),
    });
    this.bus.watchStatus((status) => {
      if (status === 'disconnect' || status === 'reconnecting') this.disconnectedAt ??= Date.now();
      if (status === 'reconnect') {
        // Whatever was published while this gateway was away missed it, digests included.
        this.requestRecovery((this.disconnectedAt ?? Date.now()) - RECOVERY_MARGIN_MS, 'nats_reconnect');
        this.disconnectedAt = undefined;
      }
    });
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  onDigest(digest: ChatHeadsDigest): void {
    this.repairMetrics.digests.inc();
    const now = Date.now();
    const known = this.publishers.get(digest.publisherId);
    if (known && digest.digestSeq > known.digestSeq + 1)
      this.requestRecovery(known.lastAt - RECOVERY_MARGIN_MS, 'digest_gap');
    if (!known || digest.digestSeq > known.digestSeq) {
      this.publishers.set(digest.publisherId, {
        digestSeq: digest.digestSeq,
        lastAt: now,
        intervalMs: digest.intervalMs,
      });
    }
    for (const join of digest.joins) {
      for (const userId of join.userIds) this.joined(userId, join.chatId, join.fromSeq);
    }
    for (const [chatId, lastSeq] of digest.heads) this.head(chatId, lastSeq);
  }

  /** The store has chatId up to lastSeq: every connection here that follows it catches up. */
  private head(chatId: string, lastSeq: number): void {
    for (const order of this.holders.holdersOf(chatId)) {
      const next = order.nextSeq(chatId);
      if (next !== undefined && next <= lastSeq) this.repairMetrics.behind.inc();
      order.noteHead(chatId, lastSeq);
    }
  }

  /** userId is a member of chatId from fromSeq on: its connections that do not know the chat learn it. */
  private joined(userId: string, chatId: string, fromSeq: number): void {
    for (const conn of this.registry.connectionsOf(userId)) {
      // A `since` connection: its chat:new is in the event stream; look there (a repeat is dropped).
      if (conn.events) {
        conn.events.probe();
        continue;
      }
      // A replay in progress reads the user's chats itself.
      if (conn.order.isReplaying || conn.order.knows(chatId)) continue;
      conn.order.setCursor(chatId, fromSeq + 1);
      void this.announce(conn, chatId);
    }
  }

  /** chat:new again, for a connection whose chat:new was lost (a repeat is harmless: same chat). */
  private async announce(conn: ClientConnection, chatId: string): Promise<void> {
    try {
      const chat = await this.bus.request(ChatGetV1, { chatId, userId: conn.userId });
      if (!conn.connected) return;
      this.repairMetrics.chatsAnnounced.inc();
      conn.transport.emit(ServerEvents.ChatNew, toChatEvent(chat));
    } catch (err) {
      // Left the chat since: follow it no more. Store away: the next head or connect brings it.
      if (err instanceof ParleyError && (err.code === 'forbidden' || err.code === 'not_found'))
        conn.order.forget(chatId);
    }
  }

  private requestRecovery(since: number, reason: string): void {
    const floor = Date.now() - MAX_LOOKBACK_MS;
    const at = Math.max(since, floor);
    if (this.recoverSince === undefined || at < this.recoverSince) {
      this.recoverSince = at;
      this.recoverReason = reason;
    }
    void this.recover();
  }

  private check(): void {
    const now = Date.now();
    for (const [id, p] of this.publishers) {
      if (now - p.lastAt > SILENT_INTERVALS * p.intervalMs + CHECK_EVERY_MS) {
        // Stopped or partitioned: its last commits may never have been published.
        this.publishers.delete(id);
        this.requestRecovery(p.lastAt - RECOVERY_MARGIN_MS, 'publisher_silent');
      }
    }
    if (this.recoverSince !== undefined) void this.recover();
  }

  /** One recovery at a time; one that fails stays pending and is tried again next check. */
  private async recover(): Promise<void> {
    if (this.recovering || this.recoverSince === undefined || this.registry.size === 0) return;
    this.recovering = true;
    const sinceMs = this.recoverSince;
    const reason = this.recoverReason;
    this.recoverSince = undefined;
    this.repairMetrics.recoveries.inc({ reason });
    try {
      const users = [...this.registry.users()];
      for (let i = 0; i < users.length; i += HeadsLimits.recoverMaxUsers) {
        const req: ChatHeadsRecoverRequest = { userIds: users.slice(i, i + HeadsLimits.recoverMaxUsers), sinceMs };
        for (;;) {
          const page = await this.bus.request(ChatHeadsRecoverV1, req);
          for (const item of page.items) {
            this.joined(item.userId, item.chatId, item.deliveredSeq);
            for (const conn of this.registry.connectionsOf(item.userId)) {
              if (conn.events) conn.events.probe();
              else conn.order.noteHead(item.chatId, item.lastSeq);
            }
          }
          if (!page.next) break;
          req.after = page.next;
        }
      }
    } catch (err) {
      if (this.recoverSince === undefined || sinceMs < this.recoverSince) this.recoverSince = sinceMs;
      this.recoverReason = reason;
      this.logger.warn({ err, instance: this.config.instanceId }, 'heads recovery failed; retrying');
    } finally {
      this.recovering = false;
    }
  }
}
