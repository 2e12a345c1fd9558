import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { PushNotify } from '@parley/contracts';
import { PushQueue } from './push.queue';
import { sendPushJobId, type SendPushJob } from './push.queues';
import { PushStateStore } from './push-state.store';

export interface CoalesceSettings {
  coalesceMs: number;
}

/** Turns stored-message events into coalesced, delayed push jobs; drops them when users return. */
@Injectable()
export class PushScheduler {
  private readonly logger = new Logger('PushScheduler');

  constructor(
    private readonly state: PushStateStore,
    private readonly queue: PushQueue,
    private readonly settings: CoalesceSettings,
  ) {}

  /** Adds the message to each recipient's batch of the chat; the first message of a batch enqueues its job. */
  async schedule(notify: PushNotify): Promise<number> {
    const recipients = [...new Set(notify.recipientIds)].filter((id) => id !== notify.senderId);
    const jobs: SendPushJob[] = await Promise.all(
      recipients.map(async (userId) => {
        const batch = await this.state.record(userId, notify, randomBytes(6).toString('hex'));
        return { userId, chatId: notify.chatId, batch };
      }),
    );
    // Every message re-adds its batch's job: a no-op while it exists, and it repairs a
    // batch whose first add was lost (crash between the two steps).
    await this.queue.enqueue(jobs, this.settings.coalesceMs);
    return jobs.length;
  }

  async dropPending(userId: string): Promise<number> {
    const { jobIds } = await this.state.dropUser(userId, (chatId, batch) => sendPushJobId({ userId, chatId, batch }));
    const removed = await this.queue.remove(jobIds);
    if (jobIds.length > 0)
      this.logger.debug({ userId, batches: jobIds.length, removed }, 'user online: pending pushes dropped');
    return jobIds.length;
  }
}
