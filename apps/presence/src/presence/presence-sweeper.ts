import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { PresenceService } from './presence.service';

/**
 * Runs the sweep every interval on every replica (the sweep script is atomic and
 * idempotent, so replicas need no lock). One tick at a time; stops before Redis closes.
 */
export class PresenceSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PresenceSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly presence: Pick<PresenceService, 'sweep'>,
    private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  /** One sweep now (also what the timer runs). */
  async tick(): Promise<void> {
    try {
      const wentOffline = await this.presence.sweep();
      if (wentOffline > 0) this.logger.log({ wentOffline }, 'expired connections swept');
      if (this.failing) this.logger.log('sweeping again');
      this.failing = false;
    } catch (err) {
      // Logged once per outage, not every tick.
      if (!this.failing) this.logger.warn({ err }, 'sweep failed; retrying every tick');
      this.failing = true;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().finally(() => {
        this.current = undefined;
        this.schedule();
      });
    }, this.intervalMs);
  }
}
