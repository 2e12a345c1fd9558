import { io, type Socket } from 'socket.io-client';
import { countAck } from './answer-tally';

type AckReply = { ok: boolean; error?: { code: string; message: string }; [k: string]: unknown };

/** A real Socket.IO client that records what the server sends it. */
export class TestSocket {
  /** `meta`: the 2nd argument (the event stream's {eventSeq}), when the server sent one. */
  readonly received: { event: string; payload: unknown; meta?: { eventSeq?: number } }[] = [];
  private waiters: { event: string; predicate: (p: unknown) => boolean; resolve: (p: unknown) => void }[] = [];

  private constructor(readonly socket: Socket) {
    socket.onAny((event: string, payload: unknown, meta?: { eventSeq?: number }) => {
      this.received.push(meta === undefined ? { event, payload } : { event, payload, meta });
      this.waiters = this.waiters.filter((w) => {
        if (w.event === event && w.predicate(payload)) {
          w.resolve(payload);
          return false;
        }
        return true;
      });
    });
  }

  /** Connects and waits for `connect`; rejects with connect_error's message. */
  static connect(
    url: string,
    token: string,
    options: { transports?: ('websocket' | 'polling')[]; since?: unknown } = {},
  ): Promise<TestSocket> {
    const socket = io(url, {
      auth: 'since' in options ? { token, since: options.since } : { token },
      reconnection: false,
      transports: options.transports ?? ['websocket'],
      forceNew: true,
    });
    const client = new TestSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(client));
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    });
  }

  emitAck<T extends AckReply = AckReply>(event: string, payload: unknown, timeoutMs = 10_000): Promise<T> {
    return countAck(this.socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>);
  }

  /** Resolves with the first (past or future) event matching. */
  waitFor<T = unknown>(event: string, predicate: (p: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
    const seen = this.received.find((r) => r.event === event && predicate(r.payload as T));
    if (seen) return Promise.resolve(seen.payload as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        event,
        predicate: predicate as (p: unknown) => boolean,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p as T);
        },
      });
    });
  }

  /** Waits until `count` events of a kind matched, then returns them in arrival order. */
  async waitForCount<T = unknown>(
    event: string,
    count: number,
    predicate: (p: T) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.events<T>(event).filter(predicate);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`got ${got.length} of ${count} ${event} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The event-stream events received (those with an eventSeq), in arrival order. */
  stream(): { event: string; payload: unknown; eventSeq: number }[] {
    return this.received
      .filter((r) => typeof r.meta?.eventSeq === 'number')
      .map((r) => ({ event: r.event, payload: r.payload, eventSeq: r.meta?.eventSeq as number }));
  }

  /** Waits until an event with eventSeq >= `eventSeq` arrived; answers the stream so far. */
  async waitForEventSeq(
    eventSeq: number,
    timeoutMs = 15_000,
  ): Promise<{ event: string; payload: unknown; eventSeq: number }[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.stream();
      if (got.some((e) => e.eventSeq >= eventSeq)) return got;
      if (Date.now() > deadline)
        throw new Error(`no eventSeq ${eventSeq} within ${timeoutMs} ms (last: ${got[got.length - 1]?.eventSeq})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  events<T = unknown>(event: string): T[] {
    return this.received.filter((r) => r.event === event).map((r) => r.payload as T);
  }

  close(): void {
    this.socket.close();
  }
}
