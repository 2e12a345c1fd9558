/** Limits on one batch; an item that alone exceeds them still goes, alone. */
export interface BatchLimits<T> {
  /** Most items per batch. A queue that reaches it starts a batch at once, without waiting for the turn to end. */
  maxItems?: number;
  /** Budget of a batch in units of `weightOf` (e.g. bytes on the wire). */
  maxWeight?: number;
  weightOf?: (item: T) => number;
  /** Most distinct keys per batch (e.g. chats, user ids); the batch's key set is handed to `run`. */
  maxKeys?: number;
  keysOf?: (item: T) => string | readonly string[];
}

export interface MicroBatcherOptions<T> extends BatchLimits<T> {
  /**
   * Batches running at once, counted until the promise `run` returns settles; while all run,
   * new items gather for the next. Unset: `run` is fire-and-forget and never waited for.
   */
  maxConcurrent?: number;
  /**
   * While a batch runs, how long to gather items before starting the next (group commit: the
   * database is busy anyway, so wait for company). Idle, a batch always starts at the end of
   * the current event-loop turn.
   */
  maxWaitMs?: number;
}

/**
 * Gathers the work submitted during one event-loop turn (or until a batch is full) and hands
 * it to `run` in batches within the limits, in submission order. Callers keep their own
 * per-item answers (promises in the item); this only decides what goes together and when.
 */
export class MicroBatcher<T> {
  private queue: T[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly splits: boolean;
  private readonly maxConcurrent: number;

  constructor(
    private readonly run: (batch: T[], keys: ReadonlySet<string> | undefined) => void | Promise<unknown>,
    private readonly options: MicroBatcherOptions<T> = {},
  ) {
    this.splits = options.maxItems !== undefined || options.maxWeight !== undefined || options.maxKeys !== undefined;
    this.maxConcurrent = options.maxConcurrent ?? Infinity;
  }

  /** Items waiting for a batch. */
  get depth(): number {
    return this.queue.length;
  }

  add(item: T): void {
    this.queue.push(item);
    if (this.running >= this.maxConcurrent) return; // a finishing batch takes it
    if (this.options.maxItems !== undefined && this.queue.length >= this.options.maxItems) {
      this.flush();
    } else if (this.immediate === undefined && this.timeout === undefined) {
      if (this.running > 0 && this.options.maxWaitMs !== undefined)
        this.timeout = setTimeout(this.onTimer, this.options.maxWaitMs);
      else this.immediate = setImmediate(this.onTimer);
    }
  }

  /** Starts batches now with what is queued (as many as maxConcurrent allows). */
  flush(): void {
    this.cancelTimer();
    while (this.queue.length > 0 && this.running < this.maxConcurrent) {
      const [batch, keys] = this.take();
      this.start(batch, keys);
    }
  }

  /** Runs what is queued and resolves once every batch has settled (add nothing meanwhile to finish). */
  async drain(): Promise<void> {
    this.flush();
    while (this.running > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  /** Forgets what is queued (the caller answers it) and stops the timer. */
  clear(): T[] {
    this.cancelTimer();
    const dropped = this.queue;
    this.queue = [];
    return dropped;
  }

  private readonly onTimer = (): void => {
    this.immediate = undefined;
    this.timeout = undefined;
    this.flush();
  };

  private cancelTimer(): void {
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    this.immediate = undefined;
    this.timeout = undefined;
  }

  private start(batch: T[], keys: ReadonlySet<string> | undefined): void {
    const result = this.run(batch, keys);
    if (this.maxConcurrent === Infinity || !result) return;
    this.running++;
    void result
      .then(undefined, () => undefined)
      .then(() => {
        this.running--;
        if (this.queue.length > 0) this.flush();
        if (this.running === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }

  /** The next batch off the queue: all of it when nothing limits a batch (no copy). */
  private take(): [T[], Set<string> | undefined] {
    if (!this.splits) {
      const all = this.queue;
      this.queue = [];
      return [all, undefined];
    }
    const { maxItems = Infinity, maxWeight = Infinity, weightOf, maxKeys = Infinity, keysOf } = this.options;
    const keys = keysOf ? new Set<string>() : undefined;
    let weight = 0;
    let n = 0;
    for (; n < this.queue.length && n < maxItems; n++) {
      const item = this.queue[n];
      const w = weightOf ? weightOf(item) : 0;
      if (n > 0 && weight + w > maxWeight) break;
      if (keys && keysOf) {
        const itemKeys = keysOf(item);
        const bound = typeof itemKeys === 'string' ? 1 : itemKeys.length;
        // Counted exactly only near the limit: repeats are free.
        if (n > 0 && keys.size + bound > maxKeys && keys.size + newKeys(keys, itemKeys) > maxKeys) break;
        addKeys(keys, itemKeys);
      }
      weight += w;
    }
    return [n === this.queue.length ? this.takeAll() : this.queue.splice(0, n), keys];
  }

  private takeAll(): T[] {
    const all = this.queue;
    this.queue = [];
    return all;
  }
}

function newKeys(set: ReadonlySet<string>, keys: string | readonly string[]): number {
  if (typeof keys === 'string') return set.has(keys) ? 0 : 1;
  let n = 0;
  for (const k of keys) if (!set.has(k)) n++;
  return n;
}

function addKeys(set: Set<string>, keys: string | readonly string[]): void {
  if (typeof keys === 'string') set.add(keys);
  else for (const k of keys) set.add(k);
}
