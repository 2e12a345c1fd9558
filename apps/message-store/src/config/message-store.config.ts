import { IsInt, IsString, Max, Min } from 'class-validator';
import { MessageCipher, MessageKeysError } from '@parley/message-store/data-access-messages';
import { ConfigError, loadEnv, serviceNatsConfig, type ServiceConfig } from '@parley/shared/util-config';
import { PostgresServiceEnv, postgresTimeouts, type PostgresTimeouts } from '@parley/shared/data-access-postgres';

/** Every variable message-store reads, with defaults that work on a laptop. */
export class MessageStoreEnv extends PostgresServiceEnv {
  @IsInt() @Min(0) @Max(65535) MESSAGE_STORE_PORT = 3003;
  @IsInt() @Min(2) @Max(200) DATABASE_POOL_SIZE = 10;
  override NATS_USER = 'message-store';
  override NATS_PASSWORD_FILE = '.parley/keys/nats/message-store.password';
  /** `keyId:base64(32 bytes)` per line (or comma); the LAST one encrypts new messages. */
  @IsString({
    message:
      'MESSAGE_ENCRYPTION_KEYS (or the file MESSAGE_ENCRYPTION_KEYS_FILE) must hold "keyId:<base64 of 32 bytes>" lines; `npm start` generates one in .parley/keys',
  })
  MESSAGE_ENCRYPTION_KEYS: string = undefined as unknown as string;
  @IsString() MESSAGE_ENCRYPTION_KEYS_FILE = '.parley/keys/message-keys';
  /** Hash partitions of `messages`, read only when the migration creates the table. */
  @IsInt() @Min(1) @Max(1024) MESSAGE_PARTITIONS = 16;
  /** Group commit: at most this many appends per transaction... */
  @IsInt() @Min(1) @Max(4096) APPEND_BATCH_MAX = 256;
  /** ...collected for at most this long after the first one arrives. */
  @IsInt() @Min(0) @Max(1000) APPEND_BATCH_WAIT_MS = 2;
  /** Appends waiting for a batch beyond this answer `unavailable` (backpressure). */
  @IsInt() @Min(1) @Max(1_000_000) APPEND_QUEUE_MAX = 5000;
  /** How long after sending its sender may edit a message (seconds; 15 minutes by default). */
  @IsInt() @Min(1) @Max(31_536_000) MESSAGE_EDIT_WINDOW_SECONDS = 900;
  /** Event stream retention: events older than this many days are pruned... */
  @IsInt() @Min(1) @Max(3650) EVENT_RETENTION_DAYS = 30;
  /** ...and, per user, all but the latest this many. */
  @IsInt() @Min(1) @Max(100_000_000) EVENT_RETENTION_MAX_EVENTS = 100_000;
  /** How often the prune walks every user. */
  @IsInt() @Min(100) @Max(86_400_000) EVENT_PRUNE_INTERVAL_MS = 600_000;
}

export interface MessageStoreConfig extends ServiceConfig {
  database: { url: string; poolSize: number; timeouts: PostgresTimeouts };
  cipher: MessageCipher;
  append: { batchMax: number; batchWaitMs: number; queueMax: number };
  lifecycle: { editWindowMs: number };
  events: { maxAgeMs: number; maxEvents: number; intervalMs: number };
}

export function loadMessageStoreEnv(env: NodeJS.ProcessEnv = process.env): MessageStoreEnv {
  return loadEnv('message-store', MessageStoreEnv, env);
}

export function loadMessageStoreConfig(env: NodeJS.ProcessEnv = process.env): MessageStoreConfig {
  const e = loadMessageStoreEnv(env);
  let cipher: MessageCipher;
  try {
    cipher = MessageCipher.fromKeyList(e.MESSAGE_ENCRYPTION_KEYS);
  } catch (err) {
    if (err instanceof MessageKeysError)
      throw new ConfigError('message-store', [`MESSAGE_ENCRYPTION_KEYS: ${err.message}`]);
    throw err;
  }
  return {
    http: { host: e.HTTP_HOST, port: e.MESSAGE_STORE_PORT },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, timeouts: postgresTimeouts(e) },
    nats: serviceNatsConfig(e),
    cipher,
    append: { batchMax: e.APPEND_BATCH_MAX, batchWaitMs: e.APPEND_BATCH_WAIT_MS, queueMax: e.APPEND_QUEUE_MAX },
    lifecycle: { editWindowMs: e.MESSAGE_EDIT_WINDOW_SECONDS * 1000 },
    events: {
      maxAgeMs: e.EVENT_RETENTION_DAYS * 86_400_000,
      maxEvents: e.EVENT_RETENTION_MAX_EVENTS,
      intervalMs: e.EVENT_PRUNE_INTERVAL_MS,
    },
  };
}
