import type { KeyValueStorage } from './storage';

/**
 * Where this device is in its user's event stream (docs/protocol.md, "Event stream"): the
 * highest eventSeq applied with every one below it applied too, persisted so that the next
 * connect, even by a new client after a restart, resumes with `since` = it.
 *
 * Acks of the user's own changes carry eventSeqs that may be ahead of events still on their
 * way (someone else's message just before): those wait in `ahead` until the gap below fills,
 * so `since` never skips an event this device has not seen.
 */
export class EventCursor {
  private applied = 0;
  private readonly ahead = new Set<number>();
  /** After resync:required: the stored value is stale until the first live event says where we are. */
  private rebasing = false;
  private written: number | null = null;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
  ) {}

  /** Reads the stored position; none stored is 0 (the whole stream kept, or resync:required). */
  async load(): Promise<number> {
    const raw = await this.storage.get(this.key).catch(() => null);
    const n = raw === null ? NaN : Number(raw);
    this.applied = Number.isSafeInteger(n) && n >= 0 ? n : 0;
    this.written = raw === null ? null : this.applied;
    return this.applied;
  }

  /** The `since` to connect with. While rebasing it is the stale one: the server answers resync:required again. */
  get since(): number {
    return this.applied;
  }

  /** False for an event already applied (a catch-up resending what an ack or an earlier event gave). */
  isNew(eventSeq: number): boolean {
    if (!valid(eventSeq) || this.rebasing) return true;
    return eventSeq > this.applied && !this.ahead.has(eventSeq);
  }

  /** A stream event was applied. The first one after a resync is where the live stream starts. */
  event(eventSeq: number): void {
    if (!valid(eventSeq)) return;
    if (this.rebasing) {
      this.rebasing = false;
      this.applied = eventSeq - 1;
      for (const s of this.ahead) if (s <= this.applied) this.ahead.delete(s);
    }
    this.add(eventSeq);
  }

  /** An own change was applied from its ack; events below it may still be coming. */
  ack(eventSeq: number | undefined): void {
    if (eventSeq !== undefined && valid(eventSeq)) this.add(eventSeq);
  }

  /**
   * resync:required: the events between `since` and the live stream are gone (the app rebuilds
   * over HTTP). The stored `since` stays until a live event replaces it, so a connection lost
   * before one arrives resyncs again instead of silently missing what was trimmed.
   */
  resync(): void {
    this.rebasing = true;
  }

  /** Resolves once every position reached so far is in storage. */
  settled(): Promise<void> {
    return this.writes;
  }

  private add(eventSeq: number): void {
    if (eventSeq <= this.applied && !this.rebasing) return;
    this.ahead.add(eventSeq);
    if (this.rebasing) return;
    const before = this.applied;
    while (this.ahead.delete(this.applied + 1)) this.applied++;
    if (this.applied !== before) this.persist();
  }

  /** Serialised, each write storing the latest position: a burst of events costs few writes. */
  private persist(): void {
    this.writes = this.writes
      .then(async () => {
        const value = this.applied;
        if (value === this.written) return;
        await this.storage.set(this.key, String(value));
        this.written = value;
      })
      .catch(() => undefined);
  }
}

function valid(eventSeq: unknown): eventSeq is number {
  return typeof eventSeq === 'number' && Number.isSafeInteger(eventSeq) && eventSeq >= 1;
}
