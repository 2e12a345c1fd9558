import type { LatencySummary } from '@parley/tools/load-report';

/**
 * A mergeable latency histogram in microseconds: exact up to 100 µs, then buckets
 * 1% wide up to ~100 s. Percentiles report a bucket's upper bound, so they err high
 * (by < 1%), never low. Workers send `toJSON()` to the coordinator, which merges.
 */
const EXACT = 100;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = EXACT + Math.ceil(Math.log(1e8 / EXACT) / LOG_GROWTH) + 1;

export interface HistogramJson {
  counts: [index: number, count: number][];
  count: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
}

function indexOf(us: number): number {
  if (us < EXACT) return Math.max(0, Math.floor(us));
  return Math.min(BUCKETS - 1, EXACT + Math.floor(Math.log(us / EXACT) / LOG_GROWTH));
}

function upperBound(index: number): number {
  if (index < EXACT) return index + 1;
  return EXACT * GROWTH ** (index - EXACT + 1);
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sumUs = 0;
  minUs = Infinity;
  maxUs = 0;

  record(us: number): void {
    const v = us < 0 ? 0 : us;
    this.counts[indexOf(v)]++;
    this.count++;
    this.sumUs += v;
    if (v < this.minUs) this.minUs = v;
    if (v > this.maxUs) this.maxUs = v;
  }

  merge(other: Histogram | HistogramJson): void {
    const json = other instanceof Histogram ? other.toJSON() : other;
    for (const [i, n] of json.counts) this.counts[i] += n;
    this.count += json.count;
    this.sumUs += json.sumUs;
    if (json.count > 0) {
      this.minUs = Math.min(this.minUs, json.minUs);
      this.maxUs = Math.max(this.maxUs, json.maxUs);
    }
  }

  /** The value (µs) at or below which `q` (0..1) of the samples fall; 0 when empty. */
  quantileUs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(upperBound(i), this.maxUs);
    }
    return this.maxUs;
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      count: this.count,
      meanMs: this.count ? ms(this.sumUs / this.count) : 0,
      p50Ms: ms(this.quantileUs(0.5)),
      p95Ms: ms(this.quantileUs(0.95)),
      p99Ms: ms(this.quantileUs(0.99)),
      p999Ms: ms(this.quantileUs(0.999)),
      maxMs: ms(this.count ? this.maxUs : 0),
    };
  }

  toJSON(): HistogramJson {
    const counts: [number, number][] = [];
    this.counts.forEach((n, i) => {
      if (n > 0) counts.push([i, n]);
    });
    return { counts, count: this.count, sumUs: this.sumUs, minUs: this.count ? this.minUs : 0, maxUs: this.maxUs };
  }

  static from(json: HistogramJson): Histogram {
    const h = new Histogram();
    h.merge(json);
    return h;
  }
}
