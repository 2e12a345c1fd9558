import { Injectable } from '@nestjs/common';
import { makeScrapedGaugeProvider } from '@parley/shared/util-service';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { ConnectionRegistry } from '../connections/connection-registry';

const MESSAGES_SENT = 'parley_gateway_messages_sent_total';
const DELIVERIES_RECEIVED = 'parley_gateway_deliveries_received_total';
const SEND_LATENCY = 'parley_gateway_send_ack_seconds';
const REPLAYED_MESSAGES = 'parley_gateway_replayed_messages_total';

/** What an operator watches on a gateway (docs/operations.md explains each). */
export const gatewayMetricProviders = [
  makeCounterProvider({ name: MESSAGES_SENT, help: 'message:send acked ok (stored)', labelNames: ['created'] }),
  makeCounterProvider({
    name: DELIVERIES_RECEIVED,
    help: "routed events received on this instance's own NATS subject",
  }),
  makeHistogramProvider({
    name: SEND_LATENCY,
    help: 'message:send from receipt to ack (store round trip included)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
  makeCounterProvider({ name: REPLAYED_MESSAGES, help: 'messages sent by replay on connect' }),
  makeScrapedGaugeProvider<[ConnectionRegistry]>({
    name: 'parley_gateway_connections',
    help: 'open authenticated Socket.IO connections',
    inject: [ConnectionRegistry],
    read: (gauge, registry) => gauge.set(registry.size),
  }),
];

@Injectable()
export class GatewayMetrics {
  constructor(
    @InjectMetric(MESSAGES_SENT) readonly messagesSent: Counter<'created'>,
    @InjectMetric(DELIVERIES_RECEIVED) readonly deliveriesReceived: Counter,
    @InjectMetric(SEND_LATENCY) readonly sendLatency: Histogram,
    @InjectMetric(REPLAYED_MESSAGES) readonly replayedMessages: Counter,
  ) {}
}
