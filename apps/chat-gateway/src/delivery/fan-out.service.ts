import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  gatewayDeliverV1,
  ParleyError,
  PresenceArrivedV1,
  PresenceChangedV1,
  PresenceLimits,
  PresenceLocateV1,
  PushNotifyV1,
  type Delivery,
  type Message,
} from '@parley/contracts';
import { MicroBatcher } from '@parley/shared/util-batching';
import { NatsBus, type RpcPipeline } from '@parley/shared/util-nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ConnectionRegistry } from '../connections/connection-registry';
import { LocalDelivery } from './local-delivery';
import { LocationCache } from './location-cache';
import { LocationCacheMetrics } from './location-cache.metrics';

type DeliveryWithoutUsers = Delivery extends infer D ? (D extends Delivery ? Omit<D, 'userIds'> : never) : never;

/** A message's fan-out whose presence lookup failed is tried once more after this long. */
const LOCATE_RETRY_MS = 300;
/** Presence lookups waiting at once; beyond, fan-out of that event is left to replay and gap fill. */
const MAX_LOCATES_IN_FLIGHT = 1_000;

interface LocateWaiter {
  userIds: string[];
  resolve: (locations: Record<string, string[]>) => void;
  reject: (err: unknown) => void;
}

/**
 * Routes events to the gateway instances that hold their recipients. This instance's
 * own sockets are served at once, in the order events arrive (no lookup: the registry
 * knows them); then one presence lookup finds the other instances, each of which gets one
 * NATS message on its own subject. Nothing is broadcast. The lookups of one event-loop
 * turn (e.g. all messages answered by one group commit) share ONE presence.locate.v1, so
 * a message costs a fraction of a Redis round trip instead of one each; and recipients whose
 * location is cached (LocationCache, kept right by presence.changed.v1 and presence.arrived.v1)
 * cost none.
 */
@Injectable()
export class FanOutService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(FanOutService.name);
  private readonly locates: RpcPipeline<typeof PresenceLocateV1>;
  /** Whole waiters per request, each request within presence's id limit (ids shared by waiters count once). */
  private readonly locateQueue = new MicroBatcher<LocateWaiter>(
    (part, ids) => this.sendLocate(part, ids ?? new Set()),
    {
      maxKeys: PresenceLimits.maxUserIdsPerRequest,
      keysOf: (w) => w.userIds,
    },
  );

  private readonly cache: LocationCache;

  constructor(
    private readonly bus: NatsBus,
    private readonly local: LocalDelivery,
    private readonly registry: ConnectionRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly cacheMetrics: LocationCacheMetrics,
  ) {
    this.locates = bus.pipeline(PresenceLocateV1, { maxInFlight: MAX_LOCATES_IN_FLIGHT });
    this.cache = new LocationCache({
      ...config.presence.locationCache,
      inFlightMs: config.nats.requestTimeoutMs,
    });
  }

  onApplicationBootstrap(): void {
    if (!this.cache.enabled) return;
    this.bus.subscribe(PresenceChangedV1, (state) => this.cache.changed(state.userId));
    this.bus.subscribe(PresenceArrivedV1, (arrival) => this.cache.arrived(arrival.userId, arrival.instanceId));
    this.bus.watchStatus((status) => {
      // Changes published while this gateway was away never reach it.
      if (status === 'disconnect' || status === 'reconnect') this.cache.clear();
    });
  }

  onModuleDestroy(): void {
    for (const w of this.locateQueue.clear()) w.reject(new ParleyError('unavailable', 'shutting down'));
    this.locates.close();
  }

  /**
   * Delivers to every connected recipient: here at once, elsewhere after the presence
   * lookup. Answers the recipients with no connection anywhere.
   */
  async route(userIds: string[], delivery: DeliveryWithoutUsers): Promise<string[]> {
    if (userIds.length === 0) return [];
    this.local.deliver({ ...delivery, userIds } as Delivery);
    const locations = await this.locate(userIds);
    const byInstance = new Map<string, number[]>();
    const offline: string[] = [];
    userIds.forEach((userId, i) => {
      const instances = locations.get(userId);
      if (!instances || instances.length === 0) {
        // Presence may not have heard of a socket that just connected here.
        if (this.registry.connectionCount(userId) === 0) offline.push(userId);
        return;
      }
      for (const instance of instances) {
        if (instance === this.config.instanceId) continue; // served above
        let list = byInstance.get(instance);
        if (!list) byInstance.set(instance, (list = []));
        list.push(i);
      }
    });
    // Each instance gets its recipients and, aligned with them, their eventSeqs.
    const eventSeqs = delivery.eventSeqs;
    for (const [instance, idx] of byInstance)
      this.bus.publish(gatewayDeliverV1(instance), {
        ...delivery,
        userIds: idx.map((i) => userIds[i]),
        ...(eventSeqs ? { eventSeqs: idx.map((i) => eventSeqs[i]) } : {}),
      } as Delivery);
    return offline;
  }

  /** A stored message: to every member's connections but the sending one; push for the offline (if `push`). */
  async message(
    message: Message,
    memberIds: string[],
    mutedMemberIds: string[],
    exceptSocketId?: string,
    push = true,
    eventSeqs?: number[],
  ): Promise<void> {
    const delivery = { kind: 'message' as const, message, exceptSocketId, ...(eventSeqs ? { eventSeqs } : {}) };
    try {
      const offline = await this.route(memberIds, delivery).catch(async () => {
        // Presence overloaded or restarting: once more before leaving it to gap fill and
        // replay (this instance's own sockets got it already and drop the repeat).
        await new Promise((r) => setTimeout(r, LOCATE_RETRY_MS));
        return this.route(memberIds, delivery);
      });
      const recipientIds = push ? offline.filter((id) => id !== message.senderId && !mutedMemberIds.includes(id)) : [];
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

  /**
   * Where users are connected: from the cache, else from presence (the lookups of one
   * event-loop turn go out as one request).
   */
  private async locate(userIds: string[]): Promise<Map<string, string[]>> {
    if (!this.cache.enabled) return own(userIds, await this.lookUp(userIds));
    const { found, missing, stale } = this.cache.lookup(userIds);
    this.cacheMetrics.lookups.inc({ result: 'hit' }, found.size);
    if (stale.length > 0) {
      // Used now, asked again without waiting: the answer lands in the cache (sendLocate).
      this.cacheMetrics.lookups.inc({ result: 'refresh' }, stale.length);
      this.lookUp(stale).catch(() => undefined);
    }
    if (missing.length === 0) return found;
    this.cacheMetrics.lookups.inc({ result: 'miss' }, missing.length);
    return own(missing, await this.lookUp(missing), found);
  }

  private lookUp(userIds: string[]): Promise<Record<string, string[]>> {
    return new Promise((resolve, reject) => this.locateQueue.add({ userIds, resolve, reject }));
  }

  private sendLocate(part: LocateWaiter[], ids: ReadonlySet<string>): void {
    const asked = [...ids];
    const since = this.cache.begin();
    this.locates.request({ userIds: asked }).then(
      ({ locations }) => {
        this.cache.store(asked, locations, since);
        this.cacheMetrics.entries.set(this.cache.size);
        for (const w of part) w.resolve(locations);
      },
      (err: unknown) => {
        for (const w of part) w.reject(err);
      },
    );
  }
}

/**
 * `userIds`' entries of a presence answer, added to `into`. The answer covers every lookup of
 * its event-loop turn (hundreds of users at a high rate): copying all of it for each waiter
 * cost the gateway a tenth of its CPU.
 */
function own(
  userIds: readonly string[],
  answer: Record<string, string[]>,
  into = new Map<string, string[]>(),
): Map<string, string[]> {
  for (const userId of userIds) {
    const instances = answer[userId];
    if (instances) into.set(userId, instances);
  }
  return into;
}
