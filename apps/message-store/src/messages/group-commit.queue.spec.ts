import { ParleyError } from '@parley/contracts';
import { GroupCommitQueue, type GroupCommitOptions } from './group-commit.queue';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const options = (over: Partial<GroupCommitOptions> = {}): GroupCommitOptions => ({
  maxBatch: 256,
  maxWaitMs: 1,
  maxQueue: 1000,
  maxConcurrent: 1,
  isUnavailable: (err) => err instanceof ParleyError && err.code === 'unavailable',
  ...over,
});

describe('GroupCommitQueue', () => {
  it('runs items submitted together as one batch and answers each in order', async () => {
    const batches: number[][] = [];
    const q = new GroupCommitQueue<number, string>(async (items) => {
      batches.push(items);
      return items.map((n) => `r${n}`);
    }, options());
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => q.submit(n)));
    expect(answers).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('starts at once when idle; waits up to maxWaitMs only while a batch runs', async () => {
    const gate = deferred();
    const batches: number[][] = [];
    const q = new GroupCommitQueue<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate.promise;
        return items;
      },
      options({ maxWaitMs: 60_000, maxConcurrent: 2 }),
    );
    const first = q.submit(1); // idle: runs without waiting 60 s
    await new Promise((r) => setTimeout(r, 10));
    expect(batches).toEqual([[1]]);
    const second = q.submit(2); // busy: gathers (the 60 s wait would time the test out)...
    await new Promise((r) => setTimeout(r, 10));
    expect(batches).toEqual([[1]]);
    gate.resolve(); // ...until the running batch ends
    await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
    expect(batches).toEqual([[1], [2]]);
  });

  it('cuts batches at maxBatch and keeps arrival order across them', async () => {
    const batches: number[][] = [];
    const q = new GroupCommitQueue<number, number>(
      async (items) => {
        batches.push(items);
        return items;
      },
      options({ maxBatch: 4 }),
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => q.submit(i)));
    expect(batches).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it('never runs more than maxConcurrent batches; newcomers gather meanwhile', async () => {
    const gates = [deferred(), deferred()];
    const batches: number[][] = [];
    let running = 0;
    let maxRunning = 0;
    const q = new GroupCommitQueue<number, number>(
      async (items) => {
        const gate = gates[batches.length];
        batches.push(items);
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (gate) await gate.promise;
        running--;
        return items;
      },
      options({ maxConcurrent: 1 }),
    );
    const first = q.submit(1);
    await new Promise((r) => setTimeout(r, 10)); // batch [1] is running
    const rest = [2, 3, 4].map((n) => q.submit(n));
    expect(q.depth).toBe(3);
    gates[0].resolve();
    gates[1].resolve();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(maxRunning).toBe(1);
  });

  it('retries each item alone when a batch fails, so a poison item fails only itself', async () => {
    const calls: number[][] = [];
    const q = new GroupCommitQueue<number, number>(async (items) => {
      calls.push(items);
      if (items.includes(13)) throw new Error('poison');
      return items.map((n) => n * 10);
    }, options());
    const results = await Promise.allSettled([1, 13, 2].map((n) => q.submit(n)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      10,
      'poison',
      20,
    ]);
    expect(calls).toEqual([[1, 13, 2], [1], [13], [2]]);
  });

  it('does not retry item by item when the failure is the database being unavailable', async () => {
    const calls: number[][] = [];
    const q = new GroupCommitQueue<number, number>(async (items) => {
      calls.push(items);
      throw new ParleyError('unavailable', 'db down');
    }, options());
    const results = await Promise.allSettled([1, 2, 3].map((n) => q.submit(n)));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as ParleyError).code === 'unavailable')).toBe(
      true,
    );
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('answers unavailable when too many items wait (backpressure)', async () => {
    const gate = deferred();
    const q = new GroupCommitQueue<number, number>(
      async (items) => {
        await gate.promise;
        return items;
      },
      options({ maxQueue: 2 }),
    );
    const running = q.submit(0);
    await new Promise((r) => setTimeout(r, 10));
    const waiting = [q.submit(1), q.submit(2)];
    await expect(q.submit(3)).rejects.toMatchObject({ code: 'unavailable' });
    gate.resolve();
    await expect(Promise.all([running, ...waiting])).resolves.toEqual([0, 1, 2]);
    await expect(q.submit(4)).resolves.toBe(4);
  });

  it('drain answers what is queued, then refuses new items', async () => {
    const q = new GroupCommitQueue<number, number>(async (items) => items, options({ maxWaitMs: 1000 }));
    const queued = [q.submit(1), q.submit(2)];
    await q.drain();
    await expect(Promise.all(queued)).resolves.toEqual([1, 2]);
    await expect(q.submit(3)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('reports batch sizes', async () => {
    const sizes: number[] = [];
    const q = new GroupCommitQueue<number, number>(async (items) => items, options({ onBatch: (n) => sizes.push(n) }));
    await Promise.all([1, 2, 3].map((n) => q.submit(n)));
    expect(sizes).toEqual([3]);
  });
});
