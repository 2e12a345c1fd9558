import { Controller, Logger } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  PresenceConnectV1,
  PresenceDisconnectV1,
  PresenceHeartbeatV1,
  PresenceInstanceGoneV1,
  PresenceLocateV1,
  PresenceQueryV1,
  type InstanceGone,
  type PresenceConnectReply,
  type PresenceConnectRequest,
  type PresenceDisconnectReply,
  type PresenceDisconnectRequest,
  type PresenceHeartbeat,
  type PresenceLocateReply,
  type PresenceLocateRequest,
  type PresenceQueryReply,
  type PresenceQueryRequest,
} from '@parley/contracts';
import { PresenceService } from './presence.service';

/** NATS handlers of the `presence` queue group (payloads are validated by the service). */
@Controller()
export class PresenceHandler {
  private readonly logger = new Logger(PresenceHandler.name);

  constructor(private readonly presence: PresenceService) {}

  @MessagePattern(PresenceConnectV1.subject)
  connect(@Payload() req: PresenceConnectRequest): Promise<PresenceConnectReply> {
    return this.presence.connect(req);
  }

  @MessagePattern(PresenceDisconnectV1.subject)
  disconnect(@Payload() req: PresenceDisconnectRequest): Promise<PresenceDisconnectReply> {
    return this.presence.disconnect(req);
  }

  @MessagePattern(PresenceLocateV1.subject)
  locate(@Payload() req: PresenceLocateRequest): Promise<PresenceLocateReply> {
    return this.presence.locate(req);
  }

  @MessagePattern(PresenceQueryV1.subject)
  query(@Payload() req: PresenceQueryRequest): Promise<PresenceQueryReply> {
    return this.presence.query(req);
  }

  // Events have no reply: a failure is logged, and the next heartbeat repairs it.
  @EventPattern(PresenceHeartbeatV1.subject)
  async heartbeat(@Payload() hb: PresenceHeartbeat): Promise<void> {
    await this.presence.heartbeat(hb).catch((err: unknown) => this.eventFailed('heartbeat', hb, err));
  }

  @EventPattern(PresenceInstanceGoneV1.subject)
  async instanceGone(@Payload() gone: InstanceGone): Promise<void> {
    await this.presence.instanceGone(gone).catch((err: unknown) => this.eventFailed('instance-gone', gone, err));
  }

  private eventFailed(kind: string, payload: { instanceId?: unknown } | null | undefined, err: unknown): void {
    const instanceId = typeof payload?.instanceId === 'string' ? payload.instanceId : undefined;
    this.logger.warn({ instanceId, err }, `${kind} event dropped`);
  }
}
