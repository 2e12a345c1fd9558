import { Backoff } from './backoff';

describe('Backoff (exponential, full jitter)', () => {
  it('doubles its ceiling per attempt up to maxMs, and each wait is uniform below the ceiling', () => {
    let r = 0.999;
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000, random: () => r });
    const ceilings = [];
    for (let i = 0; i < 6; i++) ceilings.push(backoff.next());
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
    r = 0;
    expect(backoff.next()).toBe(0); // full jitter: anywhere from 0
    r = 0.5;
    expect(backoff.next()).toBe(500);
    expect(backoff.attempts).toBe(8);
  });

  it('starts over only when reset', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 10_000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    expect(backoff.ceilingMs).toBe(400);
    backoff.reset();
    expect([backoff.attempts, backoff.ceilingMs, backoff.next()]).toEqual([0, 100, 50]);
  });

  it('never overflows after very many attempts', () => {
    const backoff = new Backoff({ baseMs: 500, maxMs: 30_000, random: () => 0.999_999 });
    for (let i = 0; i < 5000; i++) backoff.next();
    expect(backoff.next()).toBe(29_999);
  });
});
