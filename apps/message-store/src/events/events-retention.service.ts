import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EventsRepository } from '@parley/message-store/data-access-messages';

export const EVENT_RETENTION = Symbol('EVENT_RETENTION');

export interface EventRetention {
  /** Events older than this are pruned (EVENT_RETENTION_DAYS). */
  maxAgeMs: number;
  /** Per user, only the latest this many are kept (EVENT_RETENTION_MAX_EVENTS). */
  maxEvents: number;
  /** How often the prune walks every user (EVENT_PRUNE_INTERVAL_MS). */
  intervalMs: number;
}

/** Users a prune statement covers: short statements, no long lock on anything. */
const USERS_PER_STATEMENT = 500;

/**
 * Retention of the event stream: every interval, walks the users in id order and drops each
 * one's events beyond the count or age limit (a prefix of the stream, so what is kept stays
 * gapless; a client whose `since` is below it gets `resync:required`). Every replica runs it;
 * two running at once delete the same rows, harmlessly.
 */
@Injectable()
export class EventsRetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EventsRetention');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly events: EventsRepository,
    @Inject(EVENT_RETENTION) private readonly retention: EventRetention,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pruneAll().catch(() => undefined), this.retention.intervalMs);
    this.timer.unref?.();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One walk over every user; answers how many events went. One walk at a time. */
  pruneAll(): Promise<number> {
    this.running ??= this.walk().finally(() => (this.running = undefined));
    return this.running;
  }

  private async walk(): Promise<number> {
    let after: string | null = null;
    let deleted = 0;
    try {
      do {
        const step = await this.events.prune(
          { maxEvents: this.retention.maxEvents, maxAgeMs: this.retention.maxAgeMs, users: USERS_PER_STATEMENT },
          after,
        );
        deleted += step.deleted;
        after = step.lastUserId;
      } while (after);
    } catch (err) {
      this.logger.warn({ err }, 'event retention prune failed; next interval retries');
      throw err;
    }
    if (deleted > 0) this.logger.log({ deleted }, 'event retention pruned');
    return deleted;
  }
}
