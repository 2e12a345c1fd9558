import { ConcurrencyLimit, KeyedConcurrencyLimit } from './concurrency-limit';

const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimit', () => {
  it('runs `concurrency` at once, queues up to maxWaiting in order, and refuses one past the line', async () => {
    const limit = new ConcurrencyLimit(2, 2);
    const a = await limit.acquire();
    const b = await limit.acquire();
    expect(a && b).toBeTruthy();
    const order: string[] = [];
    const c = limit.acquire().then((r) => (order.push('c'), r));
    const d = limit.acquire().then((r) => (order.push('d'), r));
    expect(limit.waiting).toBe(2);
    expect(await limit.acquire()).toBeNull(); // the line is full
    a?.();
    a?.(); // a second release gives nothing back twice
    await tick();
    expect(order).toEqual(['c']);
    expect(limit.running).toBe(2);
    b?.();
    await tick();
    expect(order).toEqual(['c', 'd']);
    (await c)?.();
    (await d)?.();
    expect(limit.idle).toBe(true);
  });

  it('gives an aborted waiter nothing and its place to the next', async () => {
    const limit = new ConcurrencyLimit(1, 5);
    const first = await limit.acquire();
    const left = new AbortController();
    const leaving = limit.acquire(left.signal);
    const staying = limit.acquire();
    left.abort();
    expect(await leaving).toBeNull();
    expect(limit.waiting).toBe(1);
    first?.();
    const release = await staying;
    expect(release).not.toBeNull();
    release?.();
    expect(limit.idle).toBe(true);
  });

  it('run() releases after a failure and throws the refusal past the line', async () => {
    const limit = new ConcurrencyLimit(1, 0);
    await expect(
      limit.run(
        async () => Promise.reject(new Error('boom')),
        () => new Error('busy'),
      ),
    ).rejects.toThrow('boom');
    expect(limit.idle).toBe(true);
    let finish!: () => void;
    const running = limit.run(
      () => new Promise<void>((r) => (finish = r)),
      () => new Error('busy'),
    );
    await expect(
      limit.run(
        async () => 1,
        () => new Error('busy'),
      ),
    ).rejects.toThrow('busy');
    finish();
    await running;
    expect(limit.idle).toBe(true);
  });
});

describe('KeyedConcurrencyLimit', () => {
  it('limits each key on its own and forgets idle keys', async () => {
    const limits = new KeyedConcurrencyLimit(1, 0);
    let finish!: () => void;
    const busy = limits.run(
      'u1',
      () => new Promise<void>((r) => (finish = r)),
      () => new Error('busy'),
    );
    await expect(
      limits.run(
        'u1',
        async () => 1,
        () => new Error('busy'),
      ),
    ).rejects.toThrow('busy');
    await expect(
      limits.run(
        'u2',
        async () => 2,
        () => new Error('busy'),
      ),
    ).resolves.toBe(2);
    expect(limits.size).toBe(1);
    finish();
    await busy;
    expect(limits.size).toBe(0);
  });
});
