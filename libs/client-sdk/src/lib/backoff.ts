export interface BackoffOptions {
  /** Ceiling of the first wait. Default 500 ms. */
  baseMs?: number;
  /** Largest ceiling, however many attempts failed. Default 30 s. */
  maxMs?: number;
  /** Uniform in [0, 1); tests pass their own. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: the n-th wait (n from 0) is uniform in
 * [0, min(maxMs, baseMs * 2^n)). After a server restart, thousands of clients spread their
 * reconnects over the whole window instead of arriving together at each doubling.
 * The caller decides when the attempts count as a success again (`reset()`).
 */
export class Backoff {
  private failures = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.random = options.random ?? Math.random;
  }

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** The ceiling of the next wait. */
  get ceilingMs(): number {
    // 2^n capped before it overflows: after ~30 attempts the ceiling is maxMs anyway.
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures, 30));
  }

  /** The wait before the next attempt; each call counts one more attempt. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceilingMs);
    this.failures++;
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }
}
