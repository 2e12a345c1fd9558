import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PresenceChangedV1, type PresenceState } from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import type { Subscription } from 'nats';
import { PushScheduler } from './push.scheduler';
import { PUSH_NOTIFIER_QUEUE } from '../push-notifier.constants';

/** A user coming online gets their messages by replay: their pending pushes are dropped. */
@Injectable()
export class PresenceListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PresenceListener');
  private subscription?: Subscription;

  constructor(
    private readonly bus: NatsBus,
    private readonly scheduler: PushScheduler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = this.bus.subscribe(PresenceChangedV1, (p) => this.onChange(p), {
      queue: PUSH_NOTIFIER_QUEUE,
      onError: (err) => this.logger.error({ err }, 'presence change not handled'),
    });
    // The server knows the subscription before the app reports itself started.
    await this.bus.flush();
  }

  async onChange(presence: PresenceState): Promise<void> {
    if (presence?.online !== true || typeof presence.userId !== 'string') return;
    await this.scheduler.dropPending(presence.userId);
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
