import type { EventPage, StreamEvent } from '@parley/contracts';

export interface EventOrderDeps {
  emit(event: StreamEvent): void;
  /** The user's events with eventSeq > since, ascending (event.list.v1). */
  fetchAfter(since: number, limit: number): Promise<EventPage>;
  gapFillDelayMs: number;
  onError(err: unknown): void;
  /** The store pruned what a fill needed: the connection gets `resync:required` and goes on live. */
  onResync(oldestEventSeq: number): void;
}

const MAX_FILL_ATTEMPTS = 5;
const FILL_PAGE = 100;
/** Live events held while catching up; beyond, they are dropped and read from the store instead. */
const MAX_PENDING = 10_000;

/**
 * One `since` connection's view of the user's event stream: events leave in eventSeq order,
 * each once. Live events overlap the catch-up on connect and two gateways can fan out in
 * either order: what comes early waits, and a gap that does not close soon is filled from
 * the store (as MessageOrder does per chat seq, here for the one per-user sequence).
 */
export class EventOrder {
  /** The last eventSeq this connection has (sent, or its own ack's). */
  private last: number;
  /** Early arrivals; null marks an eventSeq to skip (this connection's own change, in its ack). Made on first use. */
  private pending?: Map<number, StreamEvent | null>;
  private catchingUp = false;
  /** Live events were dropped (MAX_PENDING) or came without an eventSeq: look in the store. */
  private probing = false;
  private timer?: NodeJS.Timeout;
  private filling = false;
  private attempts = 0;
  private disposed = false;

  constructor(
    private readonly deps: EventOrderDeps,
    since: number,
  ) {
    this.last = since;
  }

  get lastEventSeq(): number {
    return this.last;
  }

  startCatchUp(): void {
    this.catchingUp = true;
  }

  /** An event of the catch-up (pages come in order from `since`). */
  caughtUp(event: StreamEvent): void {
    this.accept(event);
  }

  /** Live only from here: after `resync:required`, the stream goes on after lastEventSeq. */
  skipTo(lastEventSeq: number): void {
    if (lastEventSeq > this.last) this.last = lastEventSeq;
    this.drain();
  }

  finishCatchUp(): void {
    this.catchingUp = false;
    this.drain();
  }

  /** A live event for this connection. */
  offer(event: StreamEvent): void {
    if (this.disposed) return;
    if (!this.catchingUp || this.waiting < MAX_PENDING) {
      this.accept(event);
    } else if (event.eventSeq > this.last) {
      this.probing = true;
    }
  }

  /** Something happened for this user whose eventSeq is not known here: look in the store soon. */
  probe(): void {
    if (this.disposed) return;
    this.probing = true;
    this.schedule();
  }

  /** This connection made eventSeq itself and got it in its ack: never emit it here. */
  markOwn(eventSeq: number): void {
    if (this.disposed || eventSeq <= this.last) return;
    if (eventSeq === this.last + 1) {
      this.last = eventSeq;
      this.drain();
    } else {
      (this.pending ??= new Map()).set(eventSeq, null);
      this.schedule();
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.pending = undefined;
  }

  private accept(event: StreamEvent): void {
    if (this.disposed || event.eventSeq <= this.last || this.pending?.has(event.eventSeq)) return;
    if (event.eventSeq === this.last + 1) {
      this.deps.emit(event);
      this.last = event.eventSeq;
      this.drain();
    } else {
      (this.pending ??= new Map()).set(event.eventSeq, event);
      this.schedule();
    }
  }

  private drain(): void {
    const pending = this.pending;
    if (pending) {
      for (const seq of pending.keys()) if (seq <= this.last) pending.delete(seq);
      while (pending.has(this.last + 1)) {
        const event = pending.get(this.last + 1);
        pending.delete(this.last + 1);
        if (event) this.deps.emit(event);
        this.last++;
      }
      // Back to idle: the map goes until something waits again.
      if (pending.size === 0) this.pending = undefined;
    }
    if (this.waiting === 0 && !this.probing) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.attempts = 0;
    } else {
      this.schedule();
    }
  }

  private schedule(): void {
    // The catch-up reads the store itself; what is left is looked at when it ends.
    if (this.timer || this.filling || this.disposed || this.catchingUp) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.fill();
      },
      this.deps.gapFillDelayMs * 2 ** this.attempts,
    );
    this.timer.unref?.();
  }

  private get waiting(): number {
    return this.pending?.size ?? 0;
  }

  private lowestWaiting(): number {
    return Math.min(...(this.pending?.keys() ?? []));
  }

  /** The last eventSeq missing before what is held (a probe: whatever the store has). */
  private target(): number {
    return this.waiting > 0 ? this.lowestWaiting() - 1 : Number.MAX_SAFE_INTEGER;
  }

  private async fill(): Promise<void> {
    if (this.disposed || this.catchingUp) return;
    const upTo = this.target();
    if (upTo <= this.last && !this.probing) return this.drain();
    this.filling = true;
    const before = this.last;
    const probing = this.probing;
    this.probing = false;
    let more = false;
    try {
      const limit = Math.max(1, Math.min(FILL_PAGE, upTo - this.last));
      const page = await this.deps.fetchAfter(this.last, limit);
      if (page.resyncRequired) {
        this.deps.onResync(page.oldestEventSeq ?? this.last + 1);
        this.last = Math.max(this.last, page.lastEventSeq ?? (page.oldestEventSeq ?? 1) - 1);
      }
      for (const event of page.events) if (event.eventSeq <= upTo) this.accept(event);
      more = page.hasMore && upTo === Number.MAX_SAFE_INTEGER;
    } catch (err) {
      this.deps.onError(err);
      this.probing ||= probing;
    } finally {
      this.filling = false;
    }
    if (this.disposed) return;
    if (this.last > before || more) this.attempts = 0;
    else if (this.waiting > 0) this.attempts++;
    if (more) this.probing = true;
    if (this.attempts > MAX_FILL_ATTEMPTS) {
      // The store does not have it: never stall the stream (the next connect's `since` tells).
      this.last = this.lowestWaiting() - 1;
      this.attempts = 0;
    }
    this.drain();
  }
}
