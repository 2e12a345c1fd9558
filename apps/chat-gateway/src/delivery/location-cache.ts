export interface LocationCacheOptions {
  /** Users kept at most (least recently used dropped first); 0 turns the cache off. */
  maxEntries: number;
  /** A location is trusted this long at most, whatever the invalidations say. */
  ttlMs: number;
  /**
   * How long a presence lookup may be in flight (the NATS request timeout): a change is
   * remembered at least this long, so a lookup sent before it cannot cache what it replaced.
   */
  inFlightMs: number;
  now?: () => number;
}

interface Entry {
  /** Gateway instances holding a connection of the user; empty: offline. */
  instances: string[];
  /** Past it (half the TTL) the entry is still used, and asked again once in the background. */
  refreshAt: number;
  expiresAt: number;
  refreshing?: boolean;
}

/**
 * Where recipients are connected, as the fan-out last learned it from presence, so most
 * messages cost no presence lookup (docs/scaling.md, "The location cache"). Kept right by:
 * - `changed(user)` (presence.changed.v1: the user came online or went offline): dropped;
 * - `arrived(user, instance)` (presence.arrived.v1: a connection of an online user was
 *   registered on another gateway): the instance is added;
 * - a lookup's answer is cached only for users with no change since the lookup was sent
 *   (`begin()` / `store()`), so a slow answer never overwrites a newer change;
 * - the TTL bounds whatever slips past (a change delivered late by NATS), and the live-delivery
 *   repair (gap fill, heads digest) covers a delivery missed meanwhile;
 * - an entry past half its TTL is still used, and listed in `stale` for a lookup in the
 *   background: a steady sender's recipients never wait for presence. Entries stored together
 *   used to expire together, and with recipients on other gateways every expiry made
 *   deliveries wait for a burst of presence lookups.
 * A stale extra instance is harmless (that gateway has no socket for the user and drops it).
 */
export class LocationCache {
  /** Map order is use order: the first key is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  /** userId -> change counter value at its last change, this window and the one before. */
  private changes = new Map<string, number>();
  private olderChanges = new Map<string, number>();
  private windowStartedAt: number;
  /** Too many changes to remember within a window: nothing is cached until this time. */
  private storeBlockedUntil = 0;
  private counter = 0;
  private readonly now: () => number;

  constructor(private readonly options: LocationCacheOptions) {
    this.now = options.now ?? Date.now;
    this.windowStartedAt = this.now();
  }

  get enabled(): boolean {
    return this.options.maxEntries > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The cached locations of the users that have one (offline ones included, as []), who to ask
   * presence about, and which of the found to ask again in the background (each once).
   */
  lookup(userIds: readonly string[]): { found: Map<string, string[]>; missing: string[]; stale: string[] } {
    const found = new Map<string, string[]>();
    const missing: string[] = [];
    const stale: string[] = [];
    const now = this.now();
    for (const userId of userIds) {
      const entry = this.entries.get(userId);
      if (!entry || entry.expiresAt <= now) {
        if (entry) this.entries.delete(userId);
        missing.push(userId);
        continue;
      }
      // Refreshes its place in the use order.
      this.entries.delete(userId);
      this.entries.set(userId, entry);
      found.set(userId, entry.instances);
      if (!entry.refreshing && entry.refreshAt <= now) {
        entry.refreshing = true;
        stale.push(userId);
      }
    }
    return { found, missing, stale };
  }

  /** Taken when a presence lookup is sent; given back to store() with its answer. */
  begin(): number {
    return this.counter;
  }

  /** Caches a lookup's answer for each asked user that has not changed since `since`. */
  store(askedUserIds: readonly string[], locations: Record<string, string[]>, since: number): void {
    if (!this.enabled) return;
    const now = this.now();
    this.rotate(now);
    if (now < this.storeBlockedUntil) return;
    for (const userId of askedUserIds) {
      if (this.changedSince(userId, since)) continue;
      this.entries.delete(userId);
      this.entries.set(userId, {
        instances: [...(locations[userId] ?? [])],
        refreshAt: now + this.options.ttlMs / 2,
        expiresAt: now + this.options.ttlMs,
      });
    }
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** The user came online or went offline: forget where they were. */
  changed(userId: string): void {
    this.entries.delete(userId);
    this.remember(userId);
  }

  /** A connection of the user was registered on `instanceId`: route there too from now on. */
  arrived(userId: string, instanceId: string): void {
    const entry = this.entries.get(userId);
    if (entry && !entry.instances.includes(instanceId)) entry.instances = [...entry.instances, instanceId];
    this.remember(userId);
  }

  /** Forgets everything (NATS reconnected: invalidations may have been missed meanwhile). */
  clear(): void {
    this.entries.clear();
    this.remember(undefined);
  }

  private remember(userId: string | undefined): void {
    if (!this.enabled) return;
    const now = this.now();
    this.rotate(now);
    this.counter++;
    if (userId === undefined || this.changes.size >= this.options.maxEntries) {
      // Cannot tell which lookups in flight it affects: none of them is cached.
      this.storeBlockedUntil = now + 2 * this.options.inFlightMs;
      return;
    }
    this.changes.set(userId, this.counter);
  }

  private changedSince(userId: string, since: number): boolean {
    return (this.changes.get(userId) ?? this.olderChanges.get(userId) ?? -1) > since;
  }

  /** Changes are remembered for one to two windows of inFlightMs: long enough for any lookup in flight. */
  private rotate(now: number): void {
    if (now - this.windowStartedAt < this.options.inFlightMs) return;
    this.olderChanges = now - this.windowStartedAt < 2 * this.options.inFlightMs ? this.changes : new Map();
    this.changes = new Map();
    this.windowStartedAt = now;
  }
}
