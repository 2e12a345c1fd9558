import { ASSUMPTIONS, oneGatewayCapacity, plan, type Inputs } from './capacity';

const inputs = (over: Partial<Inputs> = {}): Inputs => ({
  perMessageUs: { 'chat-gateway': 100, 'message-store': 50, presence: 10, redis: 5, nats: 10, postgres: 40 },
  gatewayPerDeliveryUs: 30,
  idleUsPerSocketSecond: { 'chat-gateway': 1, presence: 0.5, redis: 0.2, nats: 0.1 },
  heapPerSocket: 15_000,
  rssPerSocket: 20_000,
  redisBytesPerSocket: 300,
  bytesPerMessage: 400,
  walBytesPerMessage: 600,
  maxRate: 3000,
  step: {} as Inputs['step'],
  ...over,
});

describe('capacity model', () => {
  const peak = (ASSUMPTIONS.messagesPerDay / 86_400) * ASSUMPTIONS.peakToAverage;
  const count = (p: ReturnType<typeof plan>, prefix: string) =>
    p.rows.find((r) => r.component.startsWith(prefix))?.count;

  it('sizes each component from the measured cost per message and per socket', () => {
    const p = plan(inputs(), 1e6);
    expect(p.peakMsgs).toBeCloseTo(peak);
    expect(count(p, 'message-store')).toBe(Math.ceil((peak * 50) / (1e6 * ASSUMPTIONS.utilization)));
    const online = peak * ASSUMPTIONS.recipientsPerMessage * ASSUMPTIONS.onlineRecipientShare;
    const gatewayCores = (peak * 70 + online * 30 + 1e6 * 1) / (1e6 * ASSUMPTIONS.utilization);
    expect(count(p, 'chat-gateway')).toBe(Math.ceil(gatewayCores));
  });

  it('needs at least one gateway per socketsPerGateway sockets, however cheap messages are', () => {
    const p = plan(
      inputs({ perMessageUs: { 'chat-gateway': 0.001 }, gatewayPerDeliveryUs: 0, idleUsPerSocketSecond: {} }),
      10e6,
    );
    expect(count(p, 'chat-gateway')).toBe(10e6 / ASSUMPTIONS.socketsPerGateway);
  });

  it("sizes gateways and message-stores from the scale-out run's figures when it has one", () => {
    const replicas: Inputs['replicas'] = {
      rate: 4000,
      apps: {
        'chat-gateway': { usPerMessage: 160, replicaCores: { 'chat-gateway-1': 0.33, 'chat-gateway-2': 0.31 } },
        'message-store': { usPerMessage: 80, replicaCores: { 'message-store-1': 0.17, 'message-store-2': 0.15 } },
      },
    };
    const p = plan(inputs({ replicas }), 1e6);
    expect(count(p, 'message-store')).toBe(Math.ceil((peak * 80) / (1e6 * ASSUMPTIONS.utilization)));
    const online = peak * ASSUMPTIONS.recipientsPerMessage * ASSUMPTIONS.onlineRecipientShare;
    expect(count(p, 'chat-gateway')).toBe(
      Math.ceil((peak * (160 - 30) + online * 30 + 1e6 * 1) / (1e6 * ASSUMPTIONS.utilization)),
    );
    expect(p.rows.find((r) => r.component.startsWith('message-store'))?.basis).toBe(
      '80.0 µs per message (2 replicas in the scale-out run)',
    );
    // The rest still comes from the one-of-each run.
    expect(count(p, 'presence')).toBe(count(plan(inputs(), 1e6), 'presence'));
  });

  it('tells what one gateway process holds without the open-files limit: CPU per user-second, heap per socket', () => {
    // 1 µs per idle second + 100 µs per message every 10 s = 11 µs per user-second.
    const { cpuSockets, heapSockets } = oneGatewayCapacity(inputs(), 10);
    expect(cpuSockets).toBeCloseTo((1e6 * ASSUMPTIONS.utilization) / 11);
    expect(heapSockets).toBeCloseTo((4 * 2 ** 30) / 15_000);
  });

  it('names the single-instance ceiling that comes first', () => {
    const p = plan(inputs({ perMessageUs: { redis: 50, postgres: 1, nats: 1 } }), 1e6);
    expect(p.ceilings[0].component).toMatch(/Redis/);
  });
});
