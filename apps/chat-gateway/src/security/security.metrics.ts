import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';

const SLOW_CONSUMERS_DROPPED = 'parley_gateway_slow_consumers_dropped_total';
const REJECTED = 'parley_gateway_rejected_total';
const RATE_LIMIT_STORE_FAILURES = 'parley_gateway_rate_limit_store_failures_total';
const REPLAYS_WAITING = 'parley_gateway_replays_waiting';
const SESSIONS_CLOSED = 'parley_gateway_revoked_sockets_closed_total';

/** What the hardening does, for operators (docs/reliability.md explains each). */
export const securityMetricProviders = [
  makeCounterProvider({
    name: SLOW_CONSUMERS_DROPPED,
    help: 'sockets dropped because their write buffer passed SLOW_CONSUMER_MAX_BUFFER_BYTES',
  }),
  makeCounterProvider({
    name: REJECTED,
    help: 'Socket.IO events and connections refused by a limit or a check',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: RATE_LIMIT_STORE_FAILURES,
    help: 'rate limit checks Redis did not answer (down, not ready, slow): this gateway counted them alone',
  }),
  makeGaugeProvider({ name: REPLAYS_WAITING, help: 'replays on connect waiting for a slot (REPLAY_CONCURRENCY)' }),
  makeCounterProvider({ name: SESSIONS_CLOSED, help: 'sockets closed because their session was revoked (logout)' }),
];

@Injectable()
export class SecurityMetrics {
  constructor(
    @InjectMetric(SLOW_CONSUMERS_DROPPED) readonly slowConsumersDropped: Counter,
    @InjectMetric(REJECTED) readonly rejected: Counter<'reason'>,
    @InjectMetric(RATE_LIMIT_STORE_FAILURES) readonly rateLimitStoreFailures: Counter,
    @InjectMetric(REPLAYS_WAITING) readonly replaysWaiting: Gauge,
    @InjectMetric(SESSIONS_CLOSED) readonly sessionsClosed: Counter,
  ) {}
}
