import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PushNotifyV1, type Delivery, type Message } from '@parley/contracts';
import { publishToInstances, RecipientLocator, type DeliveryWithoutUsers } from '@parley/shared/util-locations';
import { NatsBus } from '@parley/shared/util-nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ConnectionRegistry } from '../connections/connection-registry';
import { LocalDelivery } from './local-delivery';
import { LocationCacheMetrics } from './location-cache.metrics';

/** A message's fan-out whose presence lookup failed is tried once more after this long. */
const LOCATE_RETRY_MS = 300;

/** How a stored message reaches the members' connections on other gateway instances. */
export type ElsewhereBy =
  /** This gateway publishes it to each of their instances. */
  | 'gateway'
  /** message-store did, right after COMMIT (one hop less): here, only local sockets and pushes. */
  | 'store';

/** What a stored message's fan-out needs (message-store's answer, and who sent it). */
export interface StoredMessageFanOut {
  message: Message;
  /** Every member at append time (aligned with eventSeqs), the sender included. */
  memberIds: string[];
  mutedMemberIds: string[];
  eventSeqs?: number[];
  /** The sending connection: it has the ack. */
  exceptSocketId?: string;
  /** false for a resend's original: it goes out again live only. */
  push: boolean;
  elsewhere: ElsewhereBy;
}

/**
 * Routes events to the gateway instances that hold their recipients. This instance's
 * own sockets are served at once, in the order events arrive (no lookup: the registry
 * knows them); then the RecipientLocator finds the other instances (its location cache, else
 * one presence lookup per event-loop turn), each of which gets one NATS message on its own
 * subject. Nothing is broadcast.
 */
@Injectable()
export class FanOutService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(FanOutService.name);
  private readonly locator: RecipientLocator;

  constructor(
    private readonly bus: NatsBus,
    private readonly local: LocalDelivery,
    private readonly registry: ConnectionRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    cacheMetrics: LocationCacheMetrics,
  ) {
    this.locator = new RecipientLocator(bus, {
      cache: config.presence.locationCache,
      requestTimeoutMs: config.nats.requestTimeoutMs,
      metrics: cacheMetrics,
    });
  }

  onApplicationBootstrap(): void {
    this.locator.start();
  }

  onModuleDestroy(): void {
    this.locator.close();
  }

  /**
   * Delivers to every connected recipient: here at once, elsewhere after the presence
   * lookup. Answers the recipients with no connection anywhere.
   */
  async route(
    userIds: string[],
    delivery: DeliveryWithoutUsers,
    elsewhere: ElsewhereBy = 'gateway',
  ): Promise<string[]> {
    if (userIds.length === 0) return [];
    this.local.deliver({ ...delivery, userIds } as Delivery);
    const locations = await this.locator.locate(userIds);
    const nowhere =
      elsewhere === 'gateway'
        ? publishToInstances(this.bus, userIds, locations, delivery, this.config.instanceId)
        : userIds.filter((id) => !locations.get(id)?.length);
    // Presence may not have heard of a socket that just connected here.
    return nowhere.filter((id) => this.registry.connectionCount(id) === 0);
  }

  /** A stored message: to every member's connections but the sending one; push for the offline (if `push`). */
  async message(stored: StoredMessageFanOut): Promise<void> {
    const { message, memberIds, mutedMemberIds, eventSeqs, elsewhere } = stored;
    const delivery = {
      kind: 'message' as const,
      message,
      exceptSocketId: stored.exceptSocketId,
      ...(eventSeqs ? { eventSeqs } : {}),
    };
    try {
      const offline = await this.route(memberIds, delivery, elsewhere).catch(async () => {
        // Presence overloaded or restarting: once more before leaving it to gap fill and
        // replay (this instance's own sockets got it already and drop the repeat).
        await new Promise((r) => setTimeout(r, LOCATE_RETRY_MS));
        return this.route(memberIds, delivery, elsewhere);
      });
      const recipientIds = stored.push
        ? offline.filter((id) => id !== message.senderId && !mutedMemberIds.includes(id))
        : [];
      if (recipientIds.length > 0) {
        this.bus.publish(PushNotifyV1, {
          chatId: message.chatId,
          messageId: message.id,
          seq: message.seq,
          senderId: message.senderId,
          recipientIds,
          createdAt: message.createdAt,
        });
      }
    } catch (err) {
      // The message is stored: whoever missed it gets it at the next connect or gap fill.
      this.logger.warn({ err, chatId: message.chatId, seq: message.seq }, 'fan-out failed');
    }
  }
}
