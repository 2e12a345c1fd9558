import { loadGatewayConfig } from '../config/gateway.config';

/** The two test-only switches of live-delivery repair lose messages on purpose: never in production. */
describe('GATEWAY_TEST_DROP_DELIVERIES_PERCENT and GATEWAY_TEST_DISABLE_HEADS_REPAIR', () => {
  const base = { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----' };

  it('are off by default', () => {
    const config = loadGatewayConfig({ ...base });
    expect(config.testDropDeliveriesPercent).toBe(0);
    expect(config.testDisableHeadsRepair).toBe(false);
  });

  it('are read outside production, within 0-100 and 0-1', () => {
    expect(
      loadGatewayConfig({ ...base, NODE_ENV: 'test', GATEWAY_TEST_DROP_DELIVERIES_PERCENT: '50' })
        .testDropDeliveriesPercent,
    ).toBe(50);
    expect(loadGatewayConfig({ ...base, GATEWAY_TEST_DISABLE_HEADS_REPAIR: '1' }).testDisableHeadsRepair).toBe(true);
    expect(() => loadGatewayConfig({ ...base, GATEWAY_TEST_DROP_DELIVERIES_PERCENT: '101' })).toThrow(
      /GATEWAY_TEST_DROP_DELIVERIES_PERCENT/,
    );
  });

  it('are refused when NODE_ENV=production', () => {
    expect(() =>
      loadGatewayConfig({ ...base, NODE_ENV: 'production', GATEWAY_TEST_DROP_DELIVERIES_PERCENT: '1' }),
    ).toThrow(/refused when NODE_ENV=production/);
    expect(() =>
      loadGatewayConfig({ ...base, NODE_ENV: 'production', GATEWAY_TEST_DISABLE_HEADS_REPAIR: '1' }),
    ).toThrow(/refused when NODE_ENV=production/);
    expect(loadGatewayConfig({ ...base, NODE_ENV: 'production' }).testDropDeliveriesPercent).toBe(0);
  });
});
