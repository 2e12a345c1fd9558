import { Global, Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';
import { GatewayMetrics, gatewayMetricProviders } from './gateway.metrics';

/** The gateway's own Prometheus metrics (connections, sends, deliveries, replays). */
@Global()
@Module({
  imports: [ConnectionsModule],
  providers: [...gatewayMetricProviders, GatewayMetrics],
  exports: [GatewayMetrics],
})
export class MetricsModule {}
