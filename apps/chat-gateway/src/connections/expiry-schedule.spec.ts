import { ExpirySchedule, type Expiring } from './expiry-schedule';

interface Item extends Expiring {
  name: string;
}

const T0 = 1_800_000_000_000;
/** An item whose token expires `seconds` after T0. */
const item = (name: string, seconds: number): Item => ({
  name,
  claims: { expiresAt: T0 / 1000 + seconds },
  expirySlot: -1,
});

describe('ExpirySchedule', () => {
  let fired: string[];
  let schedule: ExpirySchedule<Item>;

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    fired = [];
    schedule = new ExpirySchedule<Item>((i) => fired.push(i.name));
  });
  afterEach(() => {
    schedule.stop();
    jest.useRealTimers();
  });

  it('expires each item at its time, in order, with one timer', () => {
    for (const [name, s] of [
      ['c', 30],
      ['a', 10],
      ['b', 20],
    ] as const)
      schedule.add(item(name, s));
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(9_999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['a']);
    jest.advanceTimersByTime(20_000);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(schedule.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('an expired token is due at once; items due together all go', () => {
    schedule.add(item('past', -5));
    schedule.add(item('x', 3));
    schedule.add(item('y', 3));
    jest.advanceTimersByTime(0);
    expect(fired).toEqual(['past']);
    jest.advanceTimersByTime(3_000);
    expect(fired.sort()).toEqual(['past', 'x', 'y']);
  });

  it('a removed item never expires, and the rest keep their times', () => {
    const a = item('a', 10);
    const b = item('b', 20);
    schedule.add(a);
    schedule.add(b);
    schedule.remove(a);
    expect(a.expirySlot).toBe(-1);
    schedule.remove(a); // twice: nothing
    jest.advanceTimersByTime(19_999);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['b']);
    schedule.remove(b); // already expired: nothing
    expect(schedule.size).toBe(0);
  });

  it('an earlier item added later re-arms the timer for itself', () => {
    schedule.add(item('late', 60));
    schedule.add(item('early', 5));
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(5_000);
    expect(fired).toEqual(['early']);
  });

  it('keeps the order through many adds and removes', () => {
    const items = Array.from({ length: 200 }, (_, i) => item(`i${i}`, ((i * 7919) % 200) + 1));
    for (const i of items) schedule.add(i);
    const removed = new Set(items.filter((_, i) => i % 3 === 0));
    for (const i of removed) schedule.remove(i);
    jest.advanceTimersByTime(201_000);
    const expected = items
      .filter((i) => !removed.has(i))
      .sort((x, y) => x.claims.expiresAt - y.claims.expiresAt)
      .map((i) => i.claims.expiresAt);
    const byName = new Map(items.map((i) => [i.name, i]));
    expect(fired.map((n) => byName.get(n)?.claims.expiresAt)).toEqual(expected);
  });

  it('an expiry past what setTimeout can wait (~24.8 days) still comes on time', () => {
    const days = 30;
    schedule.add(item('month', days * 86_400));
    jest.advanceTimersByTime(days * 86_400_000 - 1);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['month']);
  });
});
