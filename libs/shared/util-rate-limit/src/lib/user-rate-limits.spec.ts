import { toFixedWindow, UserRateLimits } from './user-rate-limits';

describe('toFixedWindow', () => {
  it('keeps the sustained rate and the burst of the documented defaults', () => {
    expect(toFixedWindow({ perSecond: 20, burst: 100 })).toEqual({ points: 100, durationSeconds: 5 });
    expect(toFixedWindow({ perSecond: 5, burst: 10 })).toEqual({ points: 10, durationSeconds: 2 });
  });

  it('never makes a window shorter than a second', () => {
    expect(toFixedWindow({ perSecond: 50, burst: 10 })).toEqual({ points: 10, durationSeconds: 1 });
  });
});

describe('UserRateLimits (in memory)', () => {
  it('allows exactly the burst per user and name, and refuses the one past it', async () => {
    const limits = new UserRateLimits(
      { send: { perSecond: 1, burst: 3 }, typing: { perSecond: 1, burst: 1 } },
      { keyPrefix: 'unit:' },
    );
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push(await limits.tryTake('send', 'u1'));
    expect(taken).toEqual([true, true, true, false]);
    // Another user, and another limit of the same user, have their own budgets.
    expect(await limits.tryTake('send', 'u2')).toBe(true);
    expect(await limits.tryTake('typing', 'u1')).toBe(true);
    expect(await limits.tryTake('typing', 'u1')).toBe(false);
  });

  it('says how long a refused key waits, in whole seconds', async () => {
    const limits = new UserRateLimits({ login: { perSecond: 2 / 60, burst: 2 } }, { keyPrefix: 'unit:' });
    expect(await limits.take('login', '10.0.0.1|alice')).toEqual({ allowed: true });
    expect(await limits.take('login', '10.0.0.1|alice')).toEqual({ allowed: true });
    const refused = await limits.take('login', '10.0.0.1|alice');
    expect(refused.allowed).toBe(false);
    // A 60 s window that has just begun.
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('refuses an unknown limit name loudly', async () => {
    const limits = new UserRateLimits({ send: { perSecond: 1, burst: 1 } }, { keyPrefix: 'unit:' });
    await expect(limits.tryTake('nope' as 'send', 'u1')).rejects.toThrow('no rate limit named nope');
  });
});
