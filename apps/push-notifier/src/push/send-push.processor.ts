import { Injectable, Logger } from '@nestjs/common';
import type { DevicePlatform } from '@parley/contracts';
import { DevicesRepository } from '@parley/push-notifier/data-access-devices';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { buildPushMessage } from './push-message.builder';
import { PushSender, tokenTail, type PushSendResult } from './push-sender';
import { PushStateStore } from './push-state.store';
import { PUSH_FAILED_METRIC, PUSH_SENT_METRIC } from './push.metrics';
import type { SendPushJob } from './push.queues';

/** Some devices failed in a way worth retrying: BullMQ runs the job again after a backoff. */
class TransientPushError extends Error {
  constructor(
    readonly failed: number,
    readonly codes: string[],
  ) {
    super(`${failed} device(s) failed transiently (${codes.join(', ')})`);
    this.name = 'TransientPushError';
  }
}

export interface SendPushOutcome {
  status: 'sent' | 'nothing-pending' | 'no-devices';
  sent: number;
  deadTokens: number;
  rejected: number;
}

/**
 * Runs one push job: claims the coalesced batch, sends it to each of the user's
 * devices not already served for this job, prunes dead tokens, and throws for a
 * retry when some devices failed transiently.
 */
@Injectable()
export class SendPushProcessor {
  private readonly logger = new Logger('SendPushProcessor');

  constructor(
    private readonly state: PushStateStore,
    private readonly devices: DevicesRepository,
    private readonly sender: PushSender,
    @InjectMetric(PUSH_SENT_METRIC) private readonly sentCounter: Counter<string>,
    @InjectMetric(PUSH_FAILED_METRIC) private readonly failedCounter: Counter<string>,
  ) {}

  async process(job: SendPushJob, jobId: string): Promise<SendPushOutcome> {
    const outcome: SendPushOutcome = { status: 'sent', sent: 0, deadTokens: 0, rejected: 0 };
    const batch = await this.state.claim(job.userId, job.chatId, job.batch, jobId);
    // Dropped because the user came online, or already finished by an earlier run.
    if (!batch) return { ...outcome, status: 'nothing-pending' };

    const devices = await this.devices.findByUser(job.userId);
    const fresh = await this.state.reserve(
      job.userId,
      jobId,
      devices.map((d) => d.token),
    );
    const targets = devices.filter((d) => fresh.has(d.token));
    if (devices.length === 0) outcome.status = 'no-devices';

    let results: PushSendResult[] = [];
    if (targets.length > 0) {
      try {
        results = await this.sender.send(targets.map((d) => buildPushMessage(d, batch)));
      } catch (err) {
        // The sender answers per token; a throw means nothing is known to be sent.
        await this.state.release(
          job.userId,
          jobId,
          targets.map((d) => d.token),
        );
        throw err;
      }
    }

    const platformOf = new Map<string, DevicePlatform>(targets.map((d) => [d.token, d.platform]));
    const transient: PushSendResult[] = [];
    const dead: string[] = [];
    for (const r of results) {
      switch (r.outcome) {
        case 'sent':
          outcome.sent++;
          this.sentCounter.inc({ platform: platformOf.get(r.token) ?? 'unknown' });
          break;
        case 'transient':
          transient.push(r);
          this.failedCounter.inc({ reason: 'transient' });
          break;
        case 'dead-token':
          dead.push(r.token);
          this.failedCounter.inc({ reason: 'dead_token' });
          break;
        case 'rejected':
          outcome.rejected++;
          this.failedCounter.inc({ reason: 'rejected' });
          this.logger.warn({ jobId, token: tokenTail(r.token), code: r.code }, 'FCM rejected a push');
          break;
      }
    }

    if (dead.length > 0) {
      outcome.deadTokens = await this.devices.removeDead(job.userId, dead);
      this.logger.log(
        { userId: job.userId, tokens: dead.map(tokenTail), removed: outcome.deadTokens },
        'removed dead push tokens',
      );
    }
    if (transient.length > 0) {
      await this.state.release(
        job.userId,
        jobId,
        transient.map((r) => r.token),
      );
      throw new TransientPushError(transient.length, [...new Set(transient.map((r) => r.code ?? 'unknown'))]);
    }

    await this.state.finish(job.userId, jobId);
    this.logger.debug({ jobId, chatId: batch.chatId, count: batch.count, ...outcome }, 'push batch done');
    return outcome;
  }
}
