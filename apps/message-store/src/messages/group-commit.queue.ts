import { ParleyError } from '@parley/contracts';

export interface GroupCommitOptions {
  /** Most items per batch. */
  maxBatch: number;
  /**
   * Longest wait, after the first item arrives, for more to join its batch. Only
   * while a batch is running: when idle, a batch starts once the current event-loop
   * turn has queued what arrived with it.
   */
  maxWaitMs: number;
  /** Items waiting for a batch beyond this are refused with `unavailable`. */
  maxQueue: number;
  /** Batches running at once; while all run, newcomers gather into the next batch. */
  maxConcurrent: number;
  /** Errors that will fail every item alike (database down): no per-item retry. */
  isUnavailable: (err: unknown) => boolean;
  onBatch?: (size: number) => void;
  onBatchFailed?: (err: unknown, size: number) => void;
}

interface Waiter<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items submitted close together run as one batch (one transaction),
 * each caller still getting its own answer. `run` must answer every item of a batch
 * in order, or throw when the batch as a whole failed; then each item is retried
 * alone, so one poison item cannot fail its neighbours.
 */
export class GroupCommitQueue<I, O> {
  private pending: Waiter<I, O>[] = [];
  private timer: { cancel(): void } | undefined;
  private inFlight = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  get depth(): number {
    return this.pending.length;
  }

  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new ParleyError('unavailable', 'message-store is shutting down; retry'));
    if (this.pending.length >= this.options.maxQueue) {
      return Promise.reject(new ParleyError('unavailable', 'message-store is overloaded; retry'));
    }
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Refuses new items, runs those already queued and waits until all are answered. */
  async drain(): Promise<void> {
    this.closed = true;
    this.flush();
    while (this.inFlight > 0 || this.pending.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private schedule(): void {
    if (this.inFlight >= this.options.maxConcurrent) return; // a finishing batch takes them
    if (this.pending.length >= this.options.maxBatch) {
      this.flush();
    } else if (!this.timer) {
      // Idle: go as soon as this turn of the event loop has queued what arrived with
      // it (nothing to wait for). Busy: gather for up to maxWaitMs.
      if (this.inFlight === 0) {
        const handle = setImmediate(this.onTimer);
        this.timer = { cancel: () => clearImmediate(handle) };
      } else {
        const handle = setTimeout(this.onTimer, this.options.maxWaitMs);
        this.timer = { cancel: () => clearTimeout(handle) };
      }
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.flush();
  };

  private flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    while (this.pending.length > 0 && this.inFlight < this.options.maxConcurrent) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        if (this.pending.length > 0) this.flush();
        if (this.inFlight === 0 && this.pending.length === 0) {
          for (const wake of this.idleWaiters.splice(0)) wake();
        }
      });
    }
  }

  private async runBatch(batch: Waiter<I, O>[]): Promise<void> {
    this.options.onBatch?.(batch.length);
    try {
      const outs = await this.run(batch.map((w) => w.item));
      if (outs.length !== batch.length) throw new Error(`batch answered ${outs.length} of ${batch.length} items`);
      batch.forEach((w, i) => w.resolve(outs[i]));
      return;
    } catch (err) {
      this.options.onBatchFailed?.(err, batch.length);
      if (batch.length === 1 || this.options.isUnavailable(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
    }
    // In order, one at a time: a chat's messages keep their arrival order.
    for (const w of batch) {
      try {
        const [out] = await this.run([w.item]);
        w.resolve(out);
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
