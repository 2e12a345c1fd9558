import type { ParleyClient, ParleyEvents } from '../lib/parley-client';

/** Records a client's events so a test can wait for one (past or future) that matches. */
export class EventRecorder {
  readonly log: { event: keyof ParleyEvents; payload: unknown }[] = [];
  private waiters: { event: keyof ParleyEvents; test: (p: unknown) => boolean; done: (p: unknown) => void }[] = [];

  constructor(client: ParleyClient) {
    const events: (keyof ParleyEvents)[] = [
      'message',
      'updated',
      'status',
      'chat',
      'presence',
      'typing',
      'receipt',
      'readElsewhere',
      'connection',
      'session',
      'resync',
    ];
    for (const event of events) {
      client.on(event, (payload) => {
        this.log.push({ event, payload });
        this.waiters = this.waiters.filter((w) => {
          if (w.event !== event || !w.test(payload)) return true;
          w.done(payload);
          return false;
        });
      });
    }
  }

  all<K extends keyof ParleyEvents>(event: K, test: (p: ParleyEvents[K]) => boolean = () => true): ParleyEvents[K][] {
    return this.log
      .filter((e) => e.event === event && test(e.payload as ParleyEvents[K]))
      .map((e) => e.payload as ParleyEvents[K]);
  }

  waitFor<K extends keyof ParleyEvents>(
    event: K,
    test: (p: ParleyEvents[K]) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ParleyEvents[K]> {
    const seen = this.all(event, test)[0];
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching ${String(event)} event within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        event,
        test: test as (p: unknown) => boolean,
        done: (p) => {
          clearTimeout(timer);
          resolve(p as ParleyEvents[K]);
        },
      });
    });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() is truthy; for state that has no event of its own. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}
