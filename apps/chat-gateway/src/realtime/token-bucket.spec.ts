import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    let now = 0;
    const bucket = new TokenBucket(20, 100, () => now);
    let allowed = 0;
    for (let i = 0; i < 150; i++) if (bucket.tryTake()) allowed++;
    expect(allowed).toBe(100);
    now += 1000;
    allowed = 0;
    for (let i = 0; i < 50; i++) if (bucket.tryTake()) allowed++;
    expect(allowed).toBe(20);
  });

  it('never stores more than the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);
    now += 60_000;
    let allowed = 0;
    for (let i = 0; i < 20; i++) if (bucket.tryTake()) allowed++;
    expect(allowed).toBe(5);
  });
});
