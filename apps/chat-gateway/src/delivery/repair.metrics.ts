import { Counter, register } from 'prom-client';

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

/** Live-delivery repair, for operators (docs/reliability.md). */
export const repairMetrics = {
  digests: once('parley_gateway_heads_digests_total', () => new Counter({ name: 'parley_gateway_heads_digests_total', help: 'heads digests received from message-store' })),
  behind: once(
    'parley_gateway_heads_behind_total',
    () => new Counter({ name: 'parley_gateway_heads_behind_total', help: 'connection chats a head showed behind the store (a fetch follows unless the live delivery lands first)' }),
  ),
  chatsAnnounced: once(
    'parley_gateway_chats_announced_total',
    () => new Counter({ name: 'parley_gateway_chats_announced_total', help: 'chat:new sent again to a connection that had no cursor for a chat it joined (its chat:new was lost)' }),
  ),
  recoveries: once(
    'parley_gateway_heads_recoveries_total',
    () => new Counter({ name: 'parley_gateway_heads_recoveries_total', help: 'chat.heads.recover.v1 runs (digests lost, a publisher gone silent, NATS reconnect)', labelNames: ['reason'] }),
  ),
  droppedForTest: once(
    'parley_gateway_deliveries_dropped_for_test_total',
    () => new Counter({ name: 'parley_gateway_deliveries_dropped_for_test_total', help: 'inter-gateway deliveries dropped on purpose (GATEWAY_TEST_DROP_DELIVERIES_PERCENT)' }),
  ),
};
