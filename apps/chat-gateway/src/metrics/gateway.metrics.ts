import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';
import { ConnectionRegistry } from '../realtime/connection-registry';

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

/** What an operator watches on a gateway (docs/operations.md explains each). */
@Injectable()
export class GatewayMetrics {
  readonly messagesSent = once('parley_gateway_messages_sent_total', () =>
    new Counter({ name: 'parley_gateway_messages_sent_total', help: 'message:send acked ok (stored)', labelNames: ['created'] }),
  );
  readonly deliveriesReceived = once('parley_gateway_deliveries_received_total', () =>
    new Counter({ name: 'parley_gateway_deliveries_received_total', help: "routed events received on this instance's own NATS subject" }),
  );
  readonly sendLatency = once('parley_gateway_send_ack_seconds', () =>
    new Histogram({
      name: 'parley_gateway_send_ack_seconds',
      help: 'message:send from receipt to ack (store round trip included)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
  );
  readonly replayedMessages = once('parley_gateway_replayed_messages_total', () =>
    new Counter({ name: 'parley_gateway_replayed_messages_total', help: 'messages sent by replay on connect' }),
  );

  constructor(registry: ConnectionRegistry) {
    once('parley_gateway_connections', () =>
      new Gauge({
        name: 'parley_gateway_connections',
        help: 'open authenticated Socket.IO connections',
        collect() {
          this.set(registry.size);
        },
      }),
    );
  }
}
