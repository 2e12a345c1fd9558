import { Counter, Gauge, register } from 'prom-client';

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

/** What the hardening does, for operators (docs/reliability.md explains each). */
export const securityMetrics = {
  slowConsumersDropped: once(
    'parley_gateway_slow_consumers_dropped_total',
    () => new Counter({ name: 'parley_gateway_slow_consumers_dropped_total', help: 'sockets dropped because their write buffer passed SLOW_CONSUMER_MAX_BUFFER_BYTES' }),
  ),
  rejected: once(
    'parley_gateway_rejected_total',
    () =>
      new Counter({
        name: 'parley_gateway_rejected_total',
        help: 'Socket.IO events and connections refused by a limit or a check',
        labelNames: ['reason'],
      }),
  ),
  rateLimitStoreFailures: once(
    'parley_gateway_rate_limit_store_failures_total',
    () =>
      new Counter({
        name: 'parley_gateway_rate_limit_store_failures_total',
        help: 'rate limit checks Redis did not answer (down, not ready, slow): this gateway counted them alone',
      }),
  ),
  replaysWaiting: once(
    'parley_gateway_replays_waiting',
    () => new Gauge({ name: 'parley_gateway_replays_waiting', help: 'replays on connect waiting for a slot (REPLAY_CONCURRENCY)' }),
  ),
  sessionsClosed: once(
    'parley_gateway_revoked_sockets_closed_total',
    () => new Counter({ name: 'parley_gateway_revoked_sockets_closed_total', help: 'sockets closed because their session was revoked (logout)' }),
  ),
};
