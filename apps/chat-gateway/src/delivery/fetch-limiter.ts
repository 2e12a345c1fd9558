/**
 * At most `max` store reads of gap fill and repair in flight per gateway; the rest wait here.
 * A burst of repairs (NATS restarted, every delivery of a second lost) then queues in the
 * gateway instead of in message-store, where requests that time out still cost the work and
 * come back again after a backoff.
 */
export class FetchLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}
