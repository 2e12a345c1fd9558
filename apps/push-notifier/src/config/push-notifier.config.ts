import { IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { loadEnv } from '@parley/shared/util-config';
import { PostgresServiceEnv, postgresTimeouts, type PostgresTimeouts } from '@parley/shared/data-access-postgres';

/** Every variable push-notifier reads, with defaults that work on a laptop. */
export class PushNotifierEnv extends PostgresServiceEnv {
  @IsInt() @Min(0) @Max(65535) PUSH_NOTIFIER_PORT = 3004;
  @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE = 10;
  @IsString() @IsNotEmpty() REDIS_URL = 'redis://127.0.0.1:6379';
  override NATS_USER = 'push-notifier';
  override NATS_PASSWORD_FILE = '.parley/keys/nats/push-notifier.password';
  /** BullMQ key prefix (and of the coalescing state): separates stacks sharing one Redis. */
  @Matches(/^[A-Za-z0-9_.{}-]+$/, { message: 'PUSH_QUEUE_PREFIX may hold letters, digits and _.{}- only (no ":")' })
  PUSH_QUEUE_PREFIX = 'parley';
  /** Path to a Firebase service account JSON; empty: DRY-RUN (pushes are logged, not sent). */
  @IsString() GOOGLE_APPLICATION_CREDENTIALS = '';
  /** How long messages of one chat gather into one notification. */
  @IsInt() @Min(0) @Max(60_000) PUSH_COALESCE_MS = 1500;
  @IsInt() @Min(1) @Max(50) PUSH_ATTEMPTS = 5;
  /** First retry delay; doubles at each attempt. */
  @IsInt() @Min(10) @Max(600_000) PUSH_BACKOFF_MS = 1000;
  @IsInt() @Min(1) @Max(1000) PUSH_CONCURRENCY = 16;
  /** A job whose worker stops renewing its lock this long is run again by another worker. */
  @IsInt() @Min(1000) @Max(600_000) PUSH_JOB_LOCK_MS = 30_000;
}

export interface PushNotifierConfig {
  http: { host: string; port: number };
  logLevel: string;
  database: { url: string; poolSize: number; timeouts: PostgresTimeouts };
  redis: { url: string };
  nats: { url: string; subjectPrefix: string; user: string; pass?: string };
  push: {
    queuePrefix: string;
    coalesceMs: number;
    attempts: number;
    backoffMs: number;
    concurrency: number;
    jobLockMs: number;
  };
  /** null: DRY-RUN. */
  firebase: { credentialsPath: string } | null;
}

export function loadPushNotifierConfig(env: NodeJS.ProcessEnv = process.env): PushNotifierConfig {
  const e = loadEnv('push-notifier', PushNotifierEnv, env);
  return {
    http: { host: e.HTTP_HOST, port: e.PUSH_NOTIFIER_PORT },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, timeouts: postgresTimeouts(e) },
    redis: { url: e.REDIS_URL },
    nats: {
      url: e.NATS_URL,
      subjectPrefix: e.NATS_SUBJECT_PREFIX,
      user: e.NATS_USER,
      pass: e.NATS_PASSWORD || undefined,
    },
    push: {
      queuePrefix: e.PUSH_QUEUE_PREFIX,
      coalesceMs: e.PUSH_COALESCE_MS,
      attempts: e.PUSH_ATTEMPTS,
      backoffMs: e.PUSH_BACKOFF_MS,
      concurrency: e.PUSH_CONCURRENCY,
      jobLockMs: e.PUSH_JOB_LOCK_MS,
    },
    firebase: e.GOOGLE_APPLICATION_CREDENTIALS ? { credentialsPath: e.GOOGLE_APPLICATION_CREDENTIALS } : null,
  };
}
