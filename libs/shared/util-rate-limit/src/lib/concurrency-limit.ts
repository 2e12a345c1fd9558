/** Gives back a slot taken with ConcurrencyLimit.acquire(); calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  grant(release: Release): void;
  cancel(): void;
}

/**
 * At most `concurrency` holders at once; up to `maxWaiting` more wait in line, first come
 * first served; beyond that, refused at once. Under a surge work waits instead of failing,
 * and the line itself cannot grow without bound.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly line: Waiter[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {
    if (!(concurrency >= 1) || !(maxWaiting >= 0)) throw new Error('concurrency >= 1 and maxWaiting >= 0');
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.line.length;
  }

  /** Neither running nor waiting: a keyed owner may drop it. */
  get idle(): boolean {
    return this.active === 0 && this.line.length === 0;
  }

  /**
   * A slot, now or when one frees up; null at once when the line is full, or when `signal`
   * aborts while waiting (the caller's client left: its place goes to the next).
   */
  acquire(signal?: AbortSignal): Promise<Release | null> {
    if (signal?.aborted) return Promise.resolve(null);
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.line.length >= this.maxWaiting) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onAbort = () => waiter.cancel();
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        cancel: () => {
          const at = this.line.indexOf(waiter);
          if (at >= 0) this.line.splice(at, 1);
          resolve(null);
        },
      };
      this.line.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs `work` in a slot; `refused()` (its error) when the line is full or the wait is aborted. */
  async run<T>(work: () => Promise<T>, refused: () => Error, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    if (!release) throw refused();
    try {
      return await work();
    } finally {
      release();
    }
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.line.shift();
      // The slot passes straight to the next in line: `active` stays the same.
      if (next) next.grant(this.releaser());
      else this.active--;
    };
  }
}

/** A ConcurrencyLimit per key (a user id); a key's limit is dropped when it is idle. */
export class KeyedConcurrencyLimit {
  private readonly limits = new Map<string, ConcurrencyLimit>();

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  /** Keys with work running or waiting. */
  get size(): number {
    return this.limits.size;
  }

  async run<T>(key: string, work: () => Promise<T>, refused: () => Error, signal?: AbortSignal): Promise<T> {
    let limit = this.limits.get(key);
    if (!limit) this.limits.set(key, (limit = new ConcurrencyLimit(this.concurrency, this.maxWaiting)));
    try {
      return await limit.run(work, refused, signal);
    } finally {
      if (limit.idle && this.limits.get(key) === limit) this.limits.delete(key);
    }
  }
}
