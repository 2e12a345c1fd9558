import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  gatewayDeliverV1,
  PresenceLocateV1,
  PushNotifyV1,
  type Delivery,
  type Message,
} from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { LocalDelivery } from './local-delivery';

type DeliveryWithoutUsers = Delivery extends infer D ? (D extends Delivery ? Omit<D, 'userIds'> : never) : never;

/**
 * Routes an event to the gateway instances that hold its recipients: one presence
 * lookup for all of them, then one NATS message per instance on that instance's own
 * subject (this instance is served in-process). Nothing is broadcast.
 */
@Injectable()
export class FanOutService {
  private readonly logger = new Logger(FanOutService.name);

  constructor(
    private readonly bus: NatsBus,
    private readonly local: LocalDelivery,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Delivers to every online recipient; answers those with no connection anywhere. */
  async route(userIds: string[], delivery: DeliveryWithoutUsers): Promise<string[]> {
    if (userIds.length === 0) return [];
    const { locations } = await this.bus.request(PresenceLocateV1, { userIds });
    const byInstance = new Map<string, string[]>();
    const offline: string[] = [];
    for (const userId of userIds) {
      const instances = locations[userId];
      if (!instances || instances.length === 0) {
        offline.push(userId);
        continue;
      }
      for (const instance of instances) {
        let list = byInstance.get(instance);
        if (!list) byInstance.set(instance, (list = []));
        list.push(userId);
      }
    }
    for (const [instance, ids] of byInstance) {
      const routed = { ...delivery, userIds: ids } as Delivery;
      if (instance === this.config.instanceId) this.local.deliver(routed);
      else this.bus.publish(gatewayDeliverV1(instance), routed);
    }
    return offline;
  }

  /** A stored message: to every member's connections but the sending one; push for the offline. */
  async message(message: Message, memberIds: string[], mutedMemberIds: string[], exceptSocketId?: string): Promise<void> {
    try {
      const offline = await this.route(memberIds, { kind: 'message', message, exceptSocketId });
      const muted = new Set(mutedMemberIds);
      const recipientIds = offline.filter((id) => id !== message.senderId && !muted.has(id));
      if (recipientIds.length > 0) {
        this.bus.publish(PushNotifyV1, {
          chatId: message.chatId,
          messageId: message.id,
          seq: message.seq,
          senderId: message.senderId,
          recipientIds,
          createdAt: message.createdAt,
        });
      }
    } catch (err) {
      // The message is stored: whoever missed it gets it at the next connect or gap fill.
      this.logger.warn({ err: (err as Error).message, chatId: message.chatId, seq: message.seq }, 'fan-out failed');
    }
  }
}
