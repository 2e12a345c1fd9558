import { Global, Module, type DynamicModule } from '@nestjs/common';
import { RoutingMetrics, routingMetricProviders } from './routing.metrics';
import { ROUTING_SETTINGS, StoredMessageRouter, type RoutingSettings } from './stored-message.router';

/** Stored messages to the recipients' gateways (global: the append path injects the router). */
@Global()
@Module({})
export class RoutingModule {
  static forRoot(settings: RoutingSettings): DynamicModule {
    return {
      module: RoutingModule,
      providers: [
        { provide: ROUTING_SETTINGS, useValue: settings },
        ...routingMetricProviders,
        RoutingMetrics,
        StoredMessageRouter,
      ],
      exports: [StoredMessageRouter],
    };
  }
}
