import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Message } from '@parley/contracts';
import { publishToInstances, RecipientLocator } from '@parley/shared/util-locations';
import { NatsBus } from '@parley/shared/util-nats';
import { RoutingMetrics } from './routing.metrics';

export const ROUTING_SETTINGS = Symbol('ROUTING_SETTINGS');

export interface RoutingSettings {
  enabled: boolean;
  locationCache: { maxEntries: number; ttlMs: number };
  /** The bus's request timeout: how long a presence lookup may be in flight. */
  requestTimeoutMs: number;
}

/** A routing whose presence lookup failed is tried once more after this long. */
const LOCATE_RETRY_MS = 300;

/**
 * Hands a stored message to the members' connections on every gateway instance but the one
 * that sent it, right after COMMIT: the recipients' gateways hear from the store directly
 * instead of from the sending gateway after the reply (one hop, and one busy process, less on
 * the way of every message that crosses gateways). The sending gateway serves its own sockets
 * and pushes. A message that misses a recipient here (presence unreachable, a connection made
 * a moment ago) reaches it by the gateways' repair (heads digest, gap fill) or replay.
 */
@Injectable()
export class StoredMessageRouter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StoredMessageRouter.name);
  private readonly locator: RecipientLocator;

  constructor(
    private readonly bus: NatsBus,
    @Inject(ROUTING_SETTINGS) private readonly settings: RoutingSettings,
    private readonly metrics: RoutingMetrics,
  ) {
    this.locator = new RecipientLocator(bus, {
      cache: settings.locationCache,
      requestTimeoutMs: settings.requestTimeoutMs,
      metrics,
    });
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  onApplicationBootstrap(): void {
    if (this.enabled) this.locator.start();
  }

  onModuleDestroy(): void {
    this.locator.close();
  }

  /**
   * `memberIds[i]` gets eventSeqs[i] (a created message's; none for a resend's original, which
   * goes out again live only: the replica that stored it may have died before routing it).
   */
  async route(message: Message, memberIds: string[], eventSeqs: number[] | undefined, fromGateway: string) {
    const delivery = { kind: 'message' as const, message, ...(eventSeqs ? { eventSeqs } : {}) };
    for (let attempt = 1; ; attempt++) {
      try {
        publishToInstances(this.bus, memberIds, await this.locator.locate(memberIds), delivery, fromGateway);
        this.metrics.routed.inc({ result: 'routed' });
        return;
      } catch (err) {
        if (attempt >= 2) {
          this.metrics.routed.inc({ result: 'failed' });
          this.logger.warn({ err, chatId: message.chatId, seq: message.seq }, 'routing failed');
          return;
        }
        // Presence overloaded or restarting.
        await new Promise((r) => setTimeout(r, LOCATE_RETRY_MS));
      }
    }
  }
}
