import type { DefaultJobOptions } from 'bullmq';

/**
 * BullMQ queue and job names with their default options (Immich's QueueName/JobName).
 * Kept here until the lead moves them to libs/contracts; nothing else imports them yet.
 */
export enum QueueName {
  Push = 'push',
}

export enum JobName {
  /** Send one coalesced notification of one chat to every device of one user. */
  SendPush = 'send-push',
}

/** One coalesced batch: the messages of `chatId` that `userId` got while offline. */
export interface SendPushJob {
  userId: string;
  chatId: string;
  /** Names the batch: a new one starts when the previous was claimed by a worker. */
  batch: string;
}

export const pushDefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  // Completed jobs stay a while so a late duplicate add of the same batch is a no-op.
  removeOnComplete: { age: 3600, count: 10_000 },
  // Failed jobs (retries exhausted) are kept for inspection.
  removeOnFail: { age: 14 * 24 * 3600 },
} satisfies DefaultJobOptions;

export function pushJobOptions(settings: { attempts: number; backoffMs: number }): DefaultJobOptions {
  return {
    ...pushDefaultJobOptions,
    attempts: settings.attempts,
    backoff: { type: 'exponential', delay: settings.backoffMs },
  };
}

/**
 * `push:<userId>:<chatId>.<batch>`: every notify of one batch adds the same id, so
 * BullMQ keeps one job per batch. (BullMQ allows ':' in custom ids only as exactly
 * two separators, hence the '.' before the batch.)
 */
export function sendPushJobId(job: SendPushJob): string {
  return `push:${job.userId}:${job.chatId}.${job.batch}`;
}
