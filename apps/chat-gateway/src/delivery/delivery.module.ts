import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';
import { DeliveryListener } from './delivery.listener';
import { EventCatchUpService } from './event-catch-up.service';
import { FanOutService } from './fan-out.service';
import { HeadsWatch } from './heads-watch.service';
import { LocalDelivery } from './local-delivery';
import { LocationCacheMetrics, locationCacheMetricProviders } from './location-cache.metrics';
import { RepairMetrics, repairMetricProviders } from './repair.metrics';
import { ReplayService } from './replay.service';

/** Getting events to connections: fan-out across gateways, local delivery, repair, replay and catch-up. */
@Module({
  imports: [ConnectionsModule],
  providers: [
    ...repairMetricProviders,
    RepairMetrics,
    ...locationCacheMetricProviders,
    LocationCacheMetrics,
    LocalDelivery,
    FanOutService,
    DeliveryListener,
    HeadsWatch,
    ReplayService,
    EventCatchUpService,
  ],
  exports: [FanOutService, HeadsWatch, ReplayService, EventCatchUpService, RepairMetrics],
})
export class DeliveryModule {}
