import { ParleyError } from '@parley/contracts';
import { MicroBatcher } from '@parley/shared/util-batching';

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
  private readonly batches: MicroBatcher<Waiter<I, O>>;
  private closed = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: GroupCommitOptions,
  ) {
    this.batches = new MicroBatcher((batch) => this.runBatch(batch), {
      maxItems: options.maxBatch,
      maxConcurrent: options.maxConcurrent,
      maxWaitMs: options.maxWaitMs,
    });
  }

  get depth(): number {
    return this.batches.depth;
  }

  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new ParleyError('unavailable', 'message-store is shutting down; retry'));
    if (this.batches.depth >= this.options.maxQueue) {
      return Promise.reject(new ParleyError('unavailable', 'message-store is overloaded; retry'));
    }
    return new Promise<O>((resolve, reject) => this.batches.add({ item, resolve, reject }));
  }

  /** Refuses new items, runs those already queued and waits until all are answered. */
  async drain(): Promise<void> {
    this.closed = true;
    await this.batches.drain();
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
