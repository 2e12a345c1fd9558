import { ASSUMPTIONS, plan, type Inputs } from './capacity';

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

  it('names the single-instance ceiling that comes first', () => {
    const p = plan(inputs({ perMessageUs: { redis: 50, postgres: 1, nats: 1 } }), 1e6);
    expect(p.ceilings[0].component).toMatch(/Redis/);
  });
});
