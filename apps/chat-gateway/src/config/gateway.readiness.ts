import type { NatsBus } from '@parley/shared/util-nats';
import type { ReadinessCheck } from '@parley/shared/util-service';

/** What the gateway needs to serve: GET /health/ready and the gRPC health service both ask these. */
export function gatewayReadiness(bus: NatsBus): ReadinessCheck[] {
  return [bus.readiness()];
}
