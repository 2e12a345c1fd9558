import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { gatewayDeliverV1 } from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { LocalDelivery } from './local-delivery';
import { RepairMetrics } from './repair.metrics';

/** Consumes this instance's own delivery subject (and only it). */
@Injectable()
export class DeliveryListener implements OnApplicationBootstrap {
  private readonly logger = new Logger(DeliveryListener.name);
  constructor(
    private readonly bus: NatsBus,
    private readonly local: LocalDelivery,
    private readonly metrics: GatewayMetrics,
    private readonly repairMetrics: RepairMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.subscribe(
      gatewayDeliverV1(this.config.instanceId),
      (delivery) => {
        if (this.dropForTest()) return;
        this.metrics.deliveriesReceived.inc();
        this.local.deliver(delivery);
      },
      { onError: (err) => this.logger.error({ err }, 'delivery failed') },
    );
  }

  /** GATEWAY_TEST_DROP_DELIVERIES_PERCENT: loses deliveries as NATS would, for the repair's fault test. */
  private dropForTest(): boolean {
    const percent = this.config.testDropDeliveriesPercent;
    if (percent === 0 || Math.random() * 100 >= percent) return false;
    this.repairMetrics.droppedForTest.inc();
    return true;
  }
}
