import type { BeforeApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { RedisClient } from '@parley/shared/util-redis';
import { JobName, pushJobOptions, QueueName, sendPushJobId, type SendPushJob } from './push.queues';

export type QueueDepth = Record<'waiting' | 'delayed' | 'active' | 'failed', number>;

/** The producer side of the push queue (all BullMQ Queue I/O). */
export class PushQueue implements BeforeApplicationShutdown {
  readonly queue: Queue<SendPushJob, unknown, JobName>;

  constructor(connection: RedisClient, settings: { prefix: string; attempts: number; backoffMs: number }) {
    this.queue = new Queue<SendPushJob, unknown, JobName>(QueueName.Push, {
      connection,
      prefix: settings.prefix,
      defaultJobOptions: pushJobOptions(settings),
    });
  }

  /** Adds one delayed job per batch; a batch whose job exists already is left alone (same job id). */
  async enqueue(jobs: SendPushJob[], delayMs: number): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((data) => ({ name: JobName.SendPush, data, opts: { jobId: sendPushJobId(data), delay: delayMs } })),
    );
  }

  /** Removes jobs that are not running; returns how many went. */
  async remove(jobIds: string[]): Promise<number> {
    const removed = await Promise.all(jobIds.map((id) => this.queue.remove(id).catch(() => 0)));
    return removed.filter((n) => n === 1).length;
  }

  async depth(): Promise<QueueDepth> {
    const c = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
    return {
      waiting: c['waiting'] ?? 0,
      delayed: c['delayed'] ?? 0,
      active: c['active'] ?? 0,
      failed: c['failed'] ?? 0,
    };
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
