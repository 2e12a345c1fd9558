import { DeliveryAcker } from './delivery-acker';

describe('DeliveryAcker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('debounces: one ack per chat for the highest contiguous seq', async () => {
    const targets = new Map<string, number>([['a', 3]]);
    const sent: [string, number][] = [];
    const acker = new DeliveryAcker(
      (c) => targets.get(c) ?? null,
      async (c, s) => void sent.push([c, s]),
      100,
    );
    acker.schedule('a');
    targets.set('a', 5);
    acker.schedule('a');
    acker.schedule('b'); // no target yet: nothing to ack
    expect(sent).toEqual([]);
    await jest.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([['a', 5]]);
    acker.schedule('a'); // nothing new
    await jest.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([['a', 5]]);
  });

  it('keeps a failed ack due and sends it at the next flush', async () => {
    let online = false;
    const sent: number[] = [];
    const acker = new DeliveryAcker(
      () => 4,
      async (_c, s) => {
        if (!online) throw new Error('not connected');
        sent.push(s);
      },
      50,
    );
    acker.schedule('a');
    await jest.advanceTimersByTimeAsync(50);
    expect(sent).toEqual([]);
    online = true;
    await acker.flush();
    expect(sent).toEqual([4]);
  });

  it('acks again when the server replays what it was told (a lost ack)', async () => {
    const sent: number[] = [];
    const acker = new DeliveryAcker(
      () => 9,
      async (_c, s) => void sent.push(s),
      10,
    );
    acker.schedule('a');
    await jest.advanceTimersByTimeAsync(10);
    acker.serverIsBelow('a', 7);
    await jest.advanceTimersByTimeAsync(10);
    expect(sent).toEqual([9, 9]);
  });
});
