import { EventCursor } from './event-cursor';
import { MemoryStorage } from './storage';

describe('EventCursor', () => {
  const KEY = 'parley:since:u1';

  async function cursor(storage = new MemoryStorage()) {
    const c = new EventCursor(storage, KEY);
    await c.load();
    return { c, storage };
  }

  it('starts at 0, advances with events in order, drops what it applied, and persists', async () => {
    const { c, storage } = await cursor();
    expect(c.since).toBe(0);
    for (const s of [1, 2, 3]) {
      expect(c.isNew(s)).toBe(true);
      c.event(s);
    }
    expect(c.isNew(2)).toBe(false);
    expect(c.since).toBe(3);
    await c.settled();
    expect(await storage.get(KEY)).toBe('3');

    const again = await cursor(storage);
    expect(again.c.since).toBe(3);
  });

  it('an ack ahead of an event still on its way waits until the gap fills', async () => {
    const { c } = await cursor();
    c.event(1);
    c.ack(3); // own send acked; event 2 (someone else's) not received yet
    expect(c.since).toBe(1);
    expect(c.isNew(3)).toBe(false); // a catch-up resending the own change is dropped
    expect(c.isNew(2)).toBe(true);
    c.event(2);
    expect(c.since).toBe(3);
    c.ack(undefined); // a change that changed nothing has no eventSeq
    expect(c.since).toBe(3);
  });

  it('ignores malformed positions and an unreadable stored value', async () => {
    const storage = new MemoryStorage();
    await storage.set(KEY, 'garbage');
    const { c } = await cursor(storage);
    expect(c.since).toBe(0);
    expect(c.isNew(0)).toBe(true);
    c.event(0);
    c.event(1.5);
    expect(c.since).toBe(0);
  });

  it('after resync:required keeps the stale since until the first live event, which sets the position', async () => {
    const { c, storage } = await cursor();
    c.event(1);
    c.event(2);
    c.resync();
    c.ack(41); // an own change acked before any live event
    expect(c.since).toBe(2); // a reconnect now resyncs again rather than skip what was trimmed
    expect(c.isNew(40)).toBe(true);
    c.event(40);
    expect(c.since).toBe(41);
    expect(c.isNew(41)).toBe(false);
    await c.settled();
    expect(await storage.get(KEY)).toBe('41');
  });

  it('two users on one device keep their own position', async () => {
    const storage = new MemoryStorage();
    const a = new EventCursor(storage, 'parley:since:a');
    const b = new EventCursor(storage, 'parley:since:b');
    await Promise.all([a.load(), b.load()]);
    a.event(1);
    a.event(2);
    b.event(1);
    await Promise.all([a.settled(), b.settled()]);
    expect([await storage.get('parley:since:a'), await storage.get('parley:since:b')]).toEqual(['2', '1']);
  });
});
