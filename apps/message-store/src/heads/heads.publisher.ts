import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ChatHeadsDigestV1 } from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { HeadsDigest } from './heads-digest';

export const HEADS_DIGEST = Symbol('HEADS_DIGEST');

/** Publishes this replica's HeadsDigest every interval (chat.heads.digest.v1). */
@Injectable()
export class HeadsPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('HeadsDigest');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly bus: NatsBus,
    @Inject(HEADS_DIGEST) private readonly digest: HeadsDigest,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.publish(), this.digest.intervalMs);
    this.timer.unref();
  }

  /**
   * A graceful stop still tells the gateways what it committed last: after the appends drained
   * (onModuleDestroy) and before the bus does (onApplicationShutdown), else it publishes into a
   * draining connection.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.publish();
    await this.bus.flush().catch(() => undefined);
  }

  private publish(): void {
    try {
      this.digest.tick((part) => this.bus.publish(ChatHeadsDigestV1, part));
    } catch (err) {
      // NATS away: the gateways see the gap in digestSeq and recover from the database.
      this.logger.warn({ err }, 'heads digest not published');
    }
  }
}
