import { MicroBatcher } from './micro-batcher';

const turn = () => new Promise((r) => setImmediate(r));

function recorder<T>() {
  const batches: T[][] = [];
  const keySets: (string[] | undefined)[] = [];
  const run = (batch: T[], keys: ReadonlySet<string> | undefined) => {
    batches.push([...batch]);
    keySets.push(keys && [...keys]);
  };
  return { batches, keySets, run };
}

describe('MicroBatcher', () => {
  it('hands what one event-loop turn added to run as one batch, in order', async () => {
    const r = recorder<number>();
    const b = new MicroBatcher(r.run);
    for (let i = 0; i < 5; i++) b.add(i);
    expect(r.batches).toEqual([]);
    expect(b.depth).toBe(5);
    await turn();
    b.add(9);
    await turn();
    expect(r.batches).toEqual([[0, 1, 2, 3, 4], [9]]);
    expect(r.keySets).toEqual([undefined, undefined]);
  });

  it('starts a batch at once when it reaches maxItems, and the rest at the end of the turn', async () => {
    const r = recorder<number>();
    const b = new MicroBatcher(r.run, { maxItems: 2 });
    b.add(1);
    b.add(2);
    expect(r.batches).toEqual([[1, 2]]);
    b.add(3);
    expect(r.batches).toEqual([[1, 2]]);
    await turn();
    expect(r.batches).toEqual([[1, 2], [3]]);
  });

  it('keeps each batch within the weight budget; an item over it alone still goes alone', async () => {
    const r = recorder<string>();
    const b = new MicroBatcher(r.run, { maxWeight: 10, weightOf: (s) => s.length });
    for (const s of ['aaaa', 'bbbb', 'cc', 'dddddddddddd', 'e']) b.add(s);
    await turn();
    expect(r.batches).toEqual([['aaaa', 'bbbb', 'cc'], ['dddddddddddd'], ['e']]);
  });

  it("counts distinct keys only (repeats are free) and hands run the batch's key set", async () => {
    const r = recorder<{ ids: string[] }>();
    const b = new MicroBatcher(r.run, { maxKeys: 3, keysOf: (x) => x.ids });
    b.add({ ids: ['a', 'b'] });
    b.add({ ids: ['a', 'b'] });
    b.add({ ids: ['b', 'c'] });
    b.add({ ids: ['d', 'e'] });
    await turn();
    expect(r.batches.map((x) => x.length)).toEqual([3, 1]);
    expect(r.keySets).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('with maxConcurrent, holds new items while batches run, and gathers them for maxWaitMs when busy', async () => {
    const release: (() => void)[] = [];
    const batches: number[][] = [];
    /** Records each batch and holds it running until released. */
    const heldRun = (batch: number[]) => {
      batches.push([...batch]);
      return new Promise<void>((r) => release.push(r));
    };
    const b = new MicroBatcher<number>(heldRun, { maxConcurrent: 1, maxWaitMs: 5 });
    b.add(1);
    await turn();
    expect(batches).toEqual([[1]]);
    b.add(2);
    b.add(3);
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([[1]]); // the one slot is taken
    release.shift()?.();
    await turn();
    expect(batches).toEqual([[1], [2, 3]]);
    // Busy: the next item waits for company (maxWaitMs), not just the end of the turn.
    const r2 = new MicroBatcher<number>(heldRun, { maxConcurrent: 2, maxWaitMs: 30 });
    r2.add(10);
    await turn();
    r2.add(11);
    await turn();
    expect(batches.at(-1)).toEqual([10]);
    r2.add(12);
    await new Promise((r) => setTimeout(r, 60));
    expect(batches.at(-1)).toEqual([11, 12]);
    for (const f of release.splice(0)) f();
  });

  it('drain runs what is queued and resolves once every batch settled, a failed one included', async () => {
    const done: number[] = [];
    const b = new MicroBatcher<number>(
      async (batch) => {
        await new Promise((r) => setTimeout(r, 5));
        if (batch.includes(2)) throw new Error('boom');
        done.push(...batch);
      },
      { maxConcurrent: 1, maxItems: 2 },
    );
    for (const i of [1, 2, 3]) b.add(i);
    await b.drain();
    expect(done).toEqual([3]);
    expect(b.depth).toBe(0);
  });

  it('clear hands back what is queued and nothing runs', async () => {
    const r = recorder<number>();
    const b = new MicroBatcher(r.run);
    b.add(1);
    b.add(2);
    expect(b.clear()).toEqual([1, 2]);
    await turn();
    expect(r.batches).toEqual([]);
  });
});
