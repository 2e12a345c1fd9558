import type { EventPage, StreamEvent } from '@parley/contracts';
import { EventOrder } from './event-order';

const ev = (eventSeq: number): StreamEvent => ({ eventSeq, type: 'message:new', payload: { n: eventSeq } });

function setup(since = 0, store: StreamEvent[] = [], resync?: EventPage) {
  const emitted: number[] = [];
  const fetches: [number, number][] = [];
  const resyncs: number[] = [];
  const order = new EventOrder(
    {
      emit: (e) => emitted.push(e.eventSeq),
      fetchAfter: async (after, limit) => {
        fetches.push([after, limit]);
        if (resync) return resync;
        const events = store.filter((e) => e.eventSeq > after);
        return { events: events.slice(0, limit), hasMore: events.length > limit };
      },
      gapFillDelayMs: 1,
      onError: (err) => {
        throw err;
      },
      onResync: (oldest) => resyncs.push(oldest),
    },
    since,
  );
  return { order, emitted, fetches, resyncs };
}

/** Waits for the order's timers and store reads to settle into `expected` (no fixed sleeps). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

describe('EventOrder', () => {
  it('sends in eventSeq order, each once; an early event waits for the one before it', () => {
    const { order, emitted } = setup(10);
    order.offer(ev(12));
    order.offer(ev(10)); // already had
    order.offer(ev(11));
    order.offer(ev(12)); // repeat
    order.offer(ev(13));
    expect(emitted).toEqual([11, 12, 13]);
    order.dispose();
  });

  it('live events overlapping the catch-up are held, and none is sent twice or skipped', () => {
    const { order, emitted } = setup(0);
    order.startCatchUp();
    order.offer(ev(4));
    order.offer(ev(6));
    for (const n of [1, 2, 3, 4, 5]) order.caughtUp(ev(n));
    order.offer(ev(5));
    order.finishCatchUp();
    order.offer(ev(7));
    expect(emitted).toEqual([1, 2, 3, 4, 5, 6, 7]);
    order.dispose();
  });

  it('a gap that does not close is filled from the store, only up to what is held', async () => {
    const { order, emitted, fetches } = setup(0, [ev(1), ev(2), ev(3), ev(4)]);
    order.offer(ev(1));
    order.offer(ev(4));
    await until(() => emitted.length === 4);
    expect(emitted).toEqual([1, 2, 3, 4]);
    // Asked for the missing 2-3 only.
    expect(fetches[0]).toEqual([1, 2]);
    order.dispose();
  });

  it("its own change (the ack's eventSeq) is skipped, not sent", () => {
    const { order, emitted } = setup(0);
    order.markOwn(2);
    order.offer(ev(1));
    order.offer(ev(3));
    order.offer(ev(2)); // the same event fanned out back: dropped
    expect(emitted).toEqual([1, 3]);
    order.dispose();
  });

  it('an event whose eventSeq is unknown makes it read the store', async () => {
    const { order, emitted } = setup(1, [ev(1), ev(2), ev(3)]);
    order.probe();
    await until(() => emitted.length === 2);
    expect(emitted).toEqual([2, 3]);
    order.dispose();
  });

  it('a fill the store cannot give (pruned) reports resync and goes on live', async () => {
    const { order, emitted, resyncs } = setup(0, [], {
      events: [],
      hasMore: false,
      resyncRequired: true,
      oldestEventSeq: 50,
      lastEventSeq: 60,
    });
    order.offer(ev(61));
    order.probe();
    await until(() => resyncs.length === 1);
    expect(resyncs).toEqual([50]);
    await until(() => emitted.length === 1);
    expect(emitted).toEqual([61]);
    order.dispose();
  });
});
