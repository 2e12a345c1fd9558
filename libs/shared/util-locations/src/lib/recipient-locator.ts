import {
  gatewayDeliverV1,
  ParleyError,
  PresenceArrivedV1,
  PresenceChangedV1,
  PresenceLimits,
  PresenceLocateV1,
  type Delivery,
} from '@parley/contracts';
import { MicroBatcher } from '@parley/shared/util-batching';
import type { NatsBus, RpcPipeline } from '@parley/shared/util-nats';
import { LocationCache } from './location-cache';

/** Presence lookups waiting at once; beyond, fan-out of that event is left to replay and gap fill. */
const MAX_LOCATES_IN_FLIGHT = 1_000;

/** What the locator counts (the app names the metrics: prom-client's Counter and Gauge fit). */
export interface LocatorMetrics {
  lookups: { inc(labels: { result: 'hit' | 'miss' | 'refresh' }, value: number): void };
  entries: { set(value: number): void };
}

export interface RecipientLocatorOptions {
  /** The location cache; maxEntries 0 turns it off (every lookup asks presence). */
  cache: { maxEntries: number; ttlMs: number };
  /** The NATS request timeout: how long a lookup may be in flight. */
  requestTimeoutMs: number;
  metrics: LocatorMetrics;
}

interface LocateWaiter {
  userIds: string[];
  resolve: (locations: Record<string, string[]>) => void;
  reject: (err: unknown) => void;
}

/** A delivery before it is addressed: each gateway instance gets its own recipients. */
export type DeliveryWithoutUsers = Delivery extends infer D ? (D extends Delivery ? Omit<D, 'userIds'> : never) : never;

/**
 * Where users are connected (which gateway instances), for whoever routes deliveries to them:
 * the gateway's fan-out, and message-store, which hands a stored message to the recipients'
 * gateways itself. Recipients whose location is cached (LocationCache, kept right by
 * presence.changed.v1 and presence.arrived.v1) cost no lookup; the lookups of one event-loop
 * turn (e.g. every message of one group commit) share ONE presence.locate.v1.
 */
export class RecipientLocator {
  private readonly locates: RpcPipeline<typeof PresenceLocateV1>;
  /** Whole waiters per request, each request within presence's id limit (ids shared by waiters count once). */
  private readonly locateQueue = new MicroBatcher<LocateWaiter>(
    (part, ids) => this.sendLocate(part, ids ?? new Set()),
    { maxKeys: PresenceLimits.maxUserIdsPerRequest, keysOf: (w) => w.userIds },
  );
  private readonly cache: LocationCache;

  constructor(
    private readonly bus: NatsBus,
    private readonly options: RecipientLocatorOptions,
  ) {
    this.locates = bus.pipeline(PresenceLocateV1, { maxInFlight: MAX_LOCATES_IN_FLIGHT });
    this.cache = new LocationCache({ ...options.cache, inFlightMs: options.requestTimeoutMs });
  }

  /** Keeps the cache right from presence's changes (call once the bus is up). */
  start(): void {
    if (!this.cache.enabled) return;
    this.bus.subscribe(PresenceChangedV1, (state) => this.cache.changed(state.userId));
    this.bus.subscribe(PresenceArrivedV1, (arrival) => this.cache.arrived(arrival.userId, arrival.instanceId));
    this.bus.watchStatus((status) => {
      // Changes published while this process was away never reach it.
      if (status === 'disconnect' || status === 'reconnect') this.cache.clear();
    });
  }

  close(): void {
    for (const w of this.locateQueue.clear()) w.reject(new ParleyError('unavailable', 'shutting down'));
    this.locates.close();
  }

  /** Where users are connected: from the cache, else from presence (one request per event-loop turn). */
  async locate(userIds: string[]): Promise<Map<string, string[]>> {
    if (!this.cache.enabled) return own(userIds, await this.lookUp(userIds));
    const { metrics } = this.options;
    const { found, missing, stale } = this.cache.lookup(userIds);
    metrics.lookups.inc({ result: 'hit' }, found.size);
    if (stale.length > 0) {
      // Used now, asked again without waiting: the answer lands in the cache (sendLocate).
      metrics.lookups.inc({ result: 'refresh' }, stale.length);
      this.lookUp(stale).catch(() => undefined);
    }
    if (missing.length === 0) return found;
    metrics.lookups.inc({ result: 'miss' }, missing.length);
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
        this.options.metrics.entries.set(this.cache.size);
        for (const w of part) w.resolve(locations);
      },
      (err: unknown) => {
        for (const w of part) w.reject(err);
      },
    );
  }
}

/**
 * Publishes `delivery` to every gateway instance in `locations` but `skipInstance`, each with
 * its own recipients and, aligned with them, their eventSeqs (`userIds[i]` has
 * `delivery.eventSeqs[i]`). Answers the users located nowhere.
 */
export function publishToInstances(
  bus: NatsBus,
  userIds: readonly string[],
  locations: ReadonlyMap<string, string[]>,
  delivery: DeliveryWithoutUsers,
  skipInstance?: string,
): string[] {
  const byInstance = new Map<string, number[]>();
  const nowhere: string[] = [];
  userIds.forEach((userId, i) => {
    const instances = locations.get(userId);
    if (!instances || instances.length === 0) {
      nowhere.push(userId);
      return;
    }
    for (const instance of instances) {
      if (instance === skipInstance) continue;
      let list = byInstance.get(instance);
      if (!list) byInstance.set(instance, (list = []));
      list.push(i);
    }
  });
  const eventSeqs = delivery.eventSeqs;
  for (const [instance, idx] of byInstance)
    bus.publish(gatewayDeliverV1(instance), {
      ...delivery,
      userIds: idx.map((i) => userIds[i]),
      ...(eventSeqs ? { eventSeqs: idx.map((i) => eventSeqs[i]) } : {}),
    } as Delivery);
  return nowhere;
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
