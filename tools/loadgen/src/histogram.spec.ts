import { Histogram } from './histogram';

describe('Histogram', () => {
  it('reports percentiles within 1% and never below the true value', () => {
    const h = new Histogram();
    const values = Array.from({ length: 10_000 }, (_, i) => (i + 1) * 10); // 10 µs .. 100 ms
    for (const v of values) h.record(v);
    const exact = (q: number) => values[Math.ceil(q * values.length) - 1];
    for (const q of [0.5, 0.95, 0.99, 0.999]) {
      const got = h.quantileUs(q);
      expect(got).toBeGreaterThanOrEqual(exact(q));
      expect(got).toBeLessThanOrEqual(exact(q) * 1.01 + 1);
    }
    expect(h.summary()).toMatchObject({ count: 10_000, maxMs: 100 });
  });

  it('merges histograms from several workers', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 0; i < 100; i++) a.record(1000);
    for (let i = 0; i < 100; i++) b.record(50_000);
    const merged = Histogram.from(a.toJSON());
    merged.merge(b.toJSON());
    expect(merged.count).toBe(200);
    expect(merged.quantileUs(0.5)).toBeLessThanOrEqual(1010);
    expect(merged.quantileUs(0.99)).toBeGreaterThanOrEqual(50_000);
    expect(merged.summary().meanMs).toBeCloseTo(25.5, 1);
  });

  it('is all zeros when empty', () => {
    expect(new Histogram().summary()).toEqual({
      count: 0,
      meanMs: 0,
      p50Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
      maxMs: 0,
    });
  });
});
