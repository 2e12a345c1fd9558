import { Logger } from '@nestjs/common';
import { PresenceSweeper } from './presence-sweeper';

describe('PresenceSweeper', () => {
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sweeps every interval, keeps going after a failure, and stops on shutdown', async () => {
    const sweep = jest.fn<Promise<number>, []>().mockRejectedValueOnce(new Error('redis down')).mockResolvedValue(0);
    const sweeper = new PresenceSweeper({ sweep }, 1000);
    sweeper.onApplicationBootstrap();
    expect(sweep).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1000);
    expect(sweep).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(2000);
    expect(sweep).toHaveBeenCalledTimes(3);
    await sweeper.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(5000);
    expect(sweep).toHaveBeenCalledTimes(3);
  });

  it('never overlaps ticks and waits for the running one at shutdown', async () => {
    let finish: (n: number) => void = () => undefined;
    const sweep = jest.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const sweeper = new PresenceSweeper({ sweep }, 100);
    sweeper.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(1000); // one slow sweep in flight
    expect(sweep).toHaveBeenCalledTimes(1);
    let stopped = false;
    const stopping = sweeper.onModuleDestroy().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish(0);
    await stopping;
    await jest.advanceTimersByTimeAsync(1000);
    expect(sweep).toHaveBeenCalledTimes(1);
  });
});
