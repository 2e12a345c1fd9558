/** Per-key token buckets: `perSecond` sustained with bursts of `burst`. */
export interface RateLimitSettings {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * A token bucket per key (a user id), in memory. Buckets that have refilled completely carry
 * no information and are dropped, so the map holds only the recently active keys.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    readonly settings: RateLimitSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSweep = now();
  }

  /** Takes one token for `key`; false when its bucket is empty (the caller answers rate_limited). */
  tryTake(key: string): boolean {
    const t = this.now();
    this.sweep(t);
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: this.settings.burst, last: t }));
    b.tokens = Math.min(this.settings.burst, b.tokens + ((t - b.last) / 1000) * this.settings.perSecond);
    b.last = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(t: number): void {
    const fullAfterMs = (this.settings.burst / this.settings.perSecond) * 1000;
    if (t - this.lastSweep < Math.max(1000, fullAfterMs)) return;
    this.lastSweep = t;
    for (const [key, b] of this.buckets) if (t - b.last >= fullAfterMs) this.buckets.delete(key);
  }
}
