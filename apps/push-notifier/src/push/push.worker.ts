import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { createRedisClient, type RedisClient, type RedisTarget } from '@parley/shared/util-redis';
import type { Counter } from 'prom-client';
import { QueueName, type JobName, type SendPushJob } from './push.queues';
import type { SendPushOutcome, SendPushProcessor } from './send-push.processor';

export interface PushWorkerSettings {
  redis: RedisTarget;
  prefix: string;
  concurrency: number;
  jobLockMs: number;
}

/** The consumer side of the push queue: a BullMQ Worker running SendPushProcessor. */
export class PushWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PushWorker');
  private worker?: Worker<SendPushJob, SendPushOutcome, JobName>;
  private connection?: RedisClient;

  constructor(
    private readonly processor: SendPushProcessor,
    private readonly settings: PushWorkerSettings,
    private readonly failedCounter: Counter<string>,
  ) {}

  onApplicationBootstrap(): void {
    // Workers block on Redis: BullMQ wants a connection of their own that retries forever.
    this.connection = createRedisClient(
      this.settings.redis,
      { maxRetriesPerRequest: null, connectionName: 'push-notifier-worker' },
      false,
    );
    this.connection.on('error', (err: Error) => this.logger.warn({ err }, 'worker redis connection error'));
    this.worker = new Worker<SendPushJob, SendPushOutcome, JobName>(
      QueueName.Push,
      (job) => this.processor.process(job.data, job.id as string),
      {
        connection: this.connection,
        prefix: this.settings.prefix,
        concurrency: this.settings.concurrency,
        lockDuration: this.settings.jobLockMs,
        stalledInterval: Math.min(this.settings.jobLockMs, 30_000),
        maxStalledCount: 1,
      },
    );
    this.worker.on('failed', (job, err) => this.onFailed(job, err));
    this.worker.on('error', (err) => this.logger.error({ err }, 'push worker error'));
  }

  private onFailed(job: Job<SendPushJob, SendPushOutcome, JobName> | undefined, err: Error): void {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    // finishedOn is set once the job is failed for good (retries exhausted, or stalled too often).
    const final = Boolean(job.finishedOn) || job.attemptsMade >= attempts;
    const fields = { jobId: job.id, attempt: job.attemptsMade, attempts, err: err.message };
    if (final) {
      this.failedCounter.inc({ reason: 'gave_up' });
      this.logger.error(fields, 'push job failed for good (kept in the failed set)');
    } else {
      this.logger.warn(fields, 'push job failed, will retry');
    }
  }

  /** Graceful stop (SIGTERM): takes no new jobs and lets the in-flight ones finish. */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }

  /**
   * Stops at once, like a crash: in-flight jobs keep their lock until it expires,
   * then another worker's stalled-job check runs them again.
   */
  async abandon(): Promise<void> {
    await this.worker?.close(true);
    this.connection?.disconnect();
  }
}
