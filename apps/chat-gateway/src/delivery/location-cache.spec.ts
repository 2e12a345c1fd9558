import { LocationCache } from './location-cache';

describe('LocationCache', () => {
  let now = 1_000;
  const make = (over: Partial<ConstructorParameters<typeof LocationCache>[0]> = {}) =>
    new LocationCache({ maxEntries: 100, ttlMs: 5_000, inFlightMs: 2_000, now: () => now, ...over });
  beforeEach(() => (now = 1_000));

  it('answers what a lookup stored, offline users included, and asks presence for the rest', () => {
    const cache = make();
    cache.store(['a', 'b'], { a: ['gw-1', 'gw-2'] }, cache.begin());
    const { found, missing } = cache.lookup(['a', 'b', 'c']);
    expect(Object.fromEntries(found)).toEqual({ a: ['gw-1', 'gw-2'], b: [] });
    expect(missing).toEqual(['c']);
  });

  it('forgets an entry after its TTL', () => {
    const cache = make();
    cache.store(['a'], { a: ['gw-1'] }, cache.begin());
    now += 4_999;
    expect(cache.lookup(['a']).missing).toEqual([]);
    now += 1;
    expect(cache.lookup(['a']).missing).toEqual(['a']);
    expect(cache.size).toBe(0);
  });

  it('uses an entry past half its TTL and lists it once for a lookup in the background, until a store renews it', () => {
    const cache = make();
    cache.store(['a', 'b'], { a: ['gw-1'] }, cache.begin());
    now += 2_499;
    expect(cache.lookup(['a']).stale).toEqual([]);
    now += 1;
    const first = cache.lookup(['a', 'b']);
    expect(Object.fromEntries(first.found)).toEqual({ a: ['gw-1'], b: [] });
    expect(first.missing).toEqual([]);
    expect(first.stale).toEqual(['a', 'b']);
    expect(cache.lookup(['a', 'b']).stale).toEqual([]); // asked already
    cache.store(['a'], { a: ['gw-2'] }, cache.begin());
    now += 2_499;
    expect(cache.lookup(['a']).found.get('a')).toEqual(['gw-2']);
    expect(cache.lookup(['a']).stale).toEqual([]);
    now += 1;
    expect(cache.lookup(['a']).stale).toEqual(['a']);
    // b was never renewed: gone at its TTL.
    expect(cache.lookup(['b']).missing).toEqual(['b']);
  });

  it('drops a user who came online or went offline', () => {
    const cache = make();
    cache.store(['a', 'b'], { a: ['gw-1'] }, cache.begin());
    cache.changed('a');
    cache.changed('b');
    expect(cache.lookup(['a', 'b']).missing).toEqual(['a', 'b']);
  });

  it('adds the instance a connection arrived on, offline entries included', () => {
    const cache = make();
    cache.store(['a', 'b'], { a: ['gw-1'] }, cache.begin());
    cache.arrived('a', 'gw-2');
    cache.arrived('a', 'gw-2');
    cache.arrived('b', 'gw-3');
    expect(Object.fromEntries(cache.lookup(['a', 'b']).found)).toEqual({ a: ['gw-1', 'gw-2'], b: ['gw-3'] });
  });

  it('never caches an answer sent before a change of that user (a slow lookup racing a connect)', () => {
    const cache = make();
    const since = cache.begin();
    // Sent; meanwhile the user connects on gw-2 and another user goes offline.
    cache.arrived('a', 'gw-2');
    cache.changed('c');
    cache.store(['a', 'b', 'c'], { a: ['gw-1'], c: ['gw-1'] }, since);
    const { found, missing } = cache.lookup(['a', 'b', 'c']);
    expect(missing).toEqual(['a', 'c']);
    expect(Object.fromEntries(found)).toEqual({ b: [] });
    // A lookup sent after the change is cached.
    cache.store(['a'], { a: ['gw-1', 'gw-2'] }, cache.begin());
    expect(cache.lookup(['a']).found.get('a')).toEqual(['gw-1', 'gw-2']);
  });

  it('remembers a change for at least as long as a lookup can be in flight', () => {
    const cache = make();
    const since = cache.begin();
    now += 1_900;
    cache.changed('a');
    // Still remembered 2 s after it (a lookup may be in flight that long)...
    now += 1_999;
    cache.store(['a'], { a: ['gw-1'] }, since);
    expect(cache.lookup(['a']).missing).toEqual(['a']);
    // ...and forgotten once no lookup sent before it can still answer.
    now += 2_001;
    cache.store(['a'], { a: ['gw-1'] }, since);
    expect(cache.lookup(['a']).found.get('a')).toEqual(['gw-1']);
  });

  it('keeps at most maxEntries users, dropping the least recently used', () => {
    const cache = make({ maxEntries: 2 });
    cache.store(['a', 'b'], {}, cache.begin());
    cache.lookup(['a']); // b is now the least recently used
    cache.store(['c'], {}, cache.begin());
    expect(cache.size).toBe(2);
    expect(cache.lookup(['a', 'b', 'c']).missing).toEqual(['b']);
  });

  it('caches nothing for a while when too many changes arrive to remember each', () => {
    const cache = make({ maxEntries: 2 });
    cache.changed('x');
    cache.changed('y');
    cache.changed('z'); // one more than it can remember
    cache.store(['a'], {}, cache.begin());
    expect(cache.lookup(['a']).missing).toEqual(['a']);
    now += 4_001;
    cache.store(['a'], {}, cache.begin());
    expect(cache.lookup(['a']).missing).toEqual([]);
  });

  it('forgets everything on clear(), and what was in flight is not cached', () => {
    const cache = make();
    cache.store(['a'], { a: ['gw-1'] }, cache.begin());
    const since = cache.begin();
    cache.clear();
    cache.store(['b'], {}, since);
    expect(cache.lookup(['a', 'b']).missing).toEqual(['a', 'b']);
  });

  it('is off with maxEntries 0', () => {
    const cache = make({ maxEntries: 0 });
    expect(cache.enabled).toBe(false);
    cache.store(['a'], { a: ['gw-1'] }, cache.begin());
    expect(cache.lookup(['a']).missing).toEqual(['a']);
  });
});
