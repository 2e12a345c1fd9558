import { Logger } from '@nestjs/common';
import { PresenceChangedV1, type PresenceState } from '@parley/contracts';
import type { NatsBus } from '@parley/shared/util-nats';

/**
 * Publishes PresenceChangedV1 (gateways relay it to subscribed sockets, push-notifier
 * reads it). Best effort: a transition is already stored when it is published.
 */
export class PresenceEventsPublisher {
  private readonly logger = new Logger(PresenceEventsPublisher.name);

  constructor(
    private readonly bus: NatsBus,
    private readonly onPublished: (online: boolean, count: number) => void = () => undefined,
  ) {}

  online(userIds: string[]): void {
    this.publish(userIds.map((userId) => ({ userId, online: true, lastSeenAt: null })));
  }

  offline(userIds: string[], atMs: number): void {
    const lastSeenAt = new Date(atMs).toISOString();
    this.publish(userIds.map((userId) => ({ userId, online: false, lastSeenAt })));
  }

  private publish(states: PresenceState[]): void {
    if (states.length === 0) return;
    let failed = 0;
    let lastError: unknown;
    for (const state of states) {
      try {
        this.bus.publish(PresenceChangedV1, state);
      } catch (err) {
        // Only a closed connection throws (during reconnects publishes are buffered).
        failed++;
        lastError = err;
      }
    }
    if (failed > 0) this.logger.warn({ failed, err: (lastError as Error).message }, 'presence changes not published');
    this.onPublished(states[0].online, states.length - failed);
  }
}
