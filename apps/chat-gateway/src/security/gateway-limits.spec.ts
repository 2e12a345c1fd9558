import type { GatewayConfig } from '../config/gateway.config';
import { GatewayLimits } from './gateway-limits';
import type { SecurityMetrics } from './security.metrics';

const rate = (burst: number) => ({ perSecond: 1, burst });

describe('GatewayLimits (in memory)', () => {
  const rejected = { inc: jest.fn() };
  const limits = new GatewayLimits(
    {
      rates: {
        send: rate(2),
        typing: rate(1),
        delivered: rate(1),
        read: rate(1),
        presenceSubscribe: rate(1),
        http: rate(1),
      },
      redis: { url: '', keyPrefix: 'gateway-limits-spec:', timeoutMs: 100 },
      maxConnectionsPerUser: 20,
      replays: { concurrency: 1, maxWaiting: 0 },
      historyReadsPerUser: { concurrency: 1, maxWaiting: 1 },
    } as unknown as GatewayConfig['limits'],
    { rejected } as unknown as SecurityMetrics,
  );

  it('takes events up to the limit, then throws rate_limited for that user and that kind only', async () => {
    await limits.take('send', 'u1');
    await limits.take('send', 'u1');
    await expect(limits.take('send', 'u1')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(rejected.inc).toHaveBeenCalledWith({ reason: 'send_rate' });
    await expect(limits.take('typing', 'u1')).resolves.toBeUndefined();
    await expect(limits.take('send', 'u2')).resolves.toBeUndefined();
  });

  it('runs one history read per user at once, lets one wait, and answers rate_limited past that', async () => {
    let finish!: () => void;
    const order: string[] = [];
    const first = limits.readHistory('u1', () => new Promise<string>((r) => (finish = () => r('first'))));
    const second = limits.readHistory('u1', async () => (order.push('second'), 'second'));
    await expect(limits.readHistory('u1', async () => 'third')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(rejected.inc).toHaveBeenCalledWith({ reason: 'history_reads' });
    await expect(limits.readHistory('u2', async () => 'other user')).resolves.toBe('other user');
    expect(order).toEqual([]);
    finish();
    expect([await first, await second]).toEqual(['first', 'second']);
  });
});
