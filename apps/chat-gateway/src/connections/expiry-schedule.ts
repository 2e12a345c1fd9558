/** What the schedule needs of a connection: its token's expiry, and a field to keep its place in. */
export interface Expiring {
  readonly claims: { readonly expiresAt: number };
  /** Its index in the schedule's heap; -1 when not scheduled. */
  expirySlot: number;
}

/** setTimeout overflows past ~24.8 days: a later expiry waits for the timer to be armed again. */
const MAX_DELAY_MS = 2 ** 31 - 1;

function dueAt(item: Expiring): number {
  return item.claims.expiresAt * 1000;
}

/**
 * The gateway's connections by access-token expiry: a binary min-heap with ONE timer, for the
 * earliest, where a timer per connection cost ~0.3 KB of heap with its closure for every idle
 * socket. A connection keeps its place in the heap, so adding and removing one are O(log n).
 */
export class ExpirySchedule<T extends Expiring> {
  private readonly heap: T[] = [];
  private timer?: NodeJS.Timeout;
  /** When the armed timer fires (ms since the epoch). */
  private timerAt = Infinity;

  constructor(private readonly onExpire: (item: T) => void) {}

  get size(): number {
    return this.heap.length;
  }

  add(item: T): void {
    item.expirySlot = this.heap.length;
    this.heap.push(item);
    this.up(item.expirySlot);
    this.arm();
  }

  remove(item: T): void {
    const slot = item.expirySlot;
    if (slot < 0 || this.heap[slot] !== item) return;
    item.expirySlot = -1;
    const last = this.heap.pop() as T;
    if (slot < this.heap.length) {
      this.place(last, slot);
      this.down(slot);
      this.up(last.expirySlot);
    }
    if (this.heap.length === 0) this.disarm();
  }

  stop(): void {
    this.disarm();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    while (this.heap.length > 0 && dueAt(this.heap[0]) <= now) {
      const item = this.heap[0];
      this.remove(item);
      this.onExpire(item);
    }
    this.arm();
  }

  /** The timer for the earliest expiry, unless one at least as early is armed. */
  private arm(): void {
    const first = this.heap[0];
    if (!first || dueAt(first) >= this.timerAt) return;
    this.disarm();
    this.timerAt = dueAt(first);
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.min(this.timerAt - Date.now(), MAX_DELAY_MS)));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private place(item: T, slot: number): void {
    this.heap[slot] = item;
    item.expirySlot = slot;
  }

  private up(slot: number): void {
    const item = this.heap[slot];
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (dueAt(this.heap[parent]) <= dueAt(item)) break;
      this.place(this.heap[parent], slot);
      slot = parent;
    }
    this.place(item, slot);
  }

  private down(slot: number): void {
    const item = this.heap[slot];
    const n = this.heap.length;
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= n) break;
      if (child + 1 < n && dueAt(this.heap[child + 1]) < dueAt(this.heap[child])) child++;
      if (dueAt(this.heap[child]) >= dueAt(item)) break;
      this.place(this.heap[child], slot);
      slot = child;
    }
    this.place(item, slot);
  }
}
