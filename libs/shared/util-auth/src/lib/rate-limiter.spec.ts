import { KeyedRateLimiter } from './rate-limiter';

describe('KeyedRateLimiter', () => {
  it('gives every key its own burst, then its sustained rate', () => {
    let now = 0;
    const limiter = new KeyedRateLimiter({ perSecond: 10, burst: 20 }, () => now);
    const take = (key: string, n: number) => Array.from({ length: n }, () => limiter.tryTake(key)).filter(Boolean).length;
    expect(take('alice', 30)).toBe(20);
    // Another user is not affected by alice's burst.
    expect(take('bob', 5)).toBe(5);
    now += 1000;
    expect(take('alice', 30)).toBe(10);
  });

  it('forgets keys whose bucket has refilled', () => {
    let now = 0;
    const limiter = new KeyedRateLimiter({ perSecond: 10, burst: 20 }, () => now);
    for (let i = 0; i < 1000; i++) limiter.tryTake(`user-${i}`);
    expect(limiter.size).toBe(1000);
    now += 5000;
    limiter.tryTake('someone');
    expect(limiter.size).toBe(1);
  });
});
