import { IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { REDIS_CLUSTER_NODES_MESSAGE, REDIS_CLUSTER_NODES_PATTERN } from '@parley/shared/util-redis';
import { ConfigError, loadEnv, serviceNatsConfig, type ServiceConfig } from '@parley/shared/util-config';
import { PostgresServiceEnv, postgresTimeouts, type PostgresTimeouts } from '@parley/shared/data-access-postgres';

/** Every variable push-notifier reads, with defaults that work on a laptop. */
export class PushNotifierEnv extends PostgresServiceEnv {
  @IsInt() @Min(0) @Max(65535) PUSH_NOTIFIER_PORT = 3004;
  @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE = 10;
  @IsString() @IsNotEmpty() REDIS_URL = 'redis://127.0.0.1:6379';
  /** Seed nodes of a Redis Cluster, host:port,...; empty: one server at REDIS_URL (docs/operations.md, "Redis Cluster"). */
  @Matches(REDIS_CLUSTER_NODES_PATTERN, { message: REDIS_CLUSTER_NODES_MESSAGE }) REDIS_CLUSTER_NODES = '';
  override NATS_USER = 'push-notifier';
  override NATS_PASSWORD_FILE = '.parley/keys/nats/push-notifier.password';
  /**
   * BullMQ key prefix (and of the coalescing state): separates stacks sharing one Redis. On a
   * Redis Cluster it must be a hash tag, e.g. "{parley-push}": BullMQ's scripts touch many
   * keys of the queue at once, so they must all live in one slot.
   */
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

export interface PushNotifierConfig extends ServiceConfig {
  database: { url: string; poolSize: number; timeouts: PostgresTimeouts };
  redis: { url: string; clusterNodes: string };
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
  if (e.REDIS_CLUSTER_NODES && !/^\{[^{}]+\}/.test(e.PUSH_QUEUE_PREFIX)) {
    throw new ConfigError('push-notifier', [
      `PUSH_QUEUE_PREFIX must start with a hash tag on a Redis Cluster (REDIS_CLUSTER_NODES is set), e.g. "{${e.PUSH_QUEUE_PREFIX.replace(/[{}]/g, '')}}"`,
    ]);
  }
  return {
    http: { host: e.HTTP_HOST, port: e.PUSH_NOTIFIER_PORT },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, timeouts: postgresTimeouts(e) },
    redis: { url: e.REDIS_URL, clusterNodes: e.REDIS_CLUSTER_NODES },
    nats: serviceNatsConfig(e),
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
