import { IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { MessageCipher, MessageKeysError } from '@parley/message-store/data-access-messages';
import { ConfigError, loadEnv } from '@parley/shared/util-config';
import { PostgresTimeoutsEnv, postgresTimeouts, type PostgresTimeouts } from '@parley/shared/data-access-postgres';

/** Every variable message-store reads, with defaults that work on a laptop. */
export class MessageStoreEnv extends PostgresTimeoutsEnv {
  @IsInt() @Min(0) @Max(65535) MESSAGE_STORE_PORT = 3003;
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @IsString() @IsNotEmpty() DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/parley';
  @IsInt() @Min(2) @Max(200) DATABASE_POOL_SIZE = 10;
  @IsString() @IsNotEmpty() NATS_URL = 'nats://127.0.0.1:4222';
  /** Put before every NATS subject, so stacks sharing a NATS server stay apart (e.g. "t1a2b3c4."). */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]*$/, { message: 'NATS_SUBJECT_PREFIX may hold only A-Z a-z 0-9 _ . -' })
  NATS_SUBJECT_PREFIX = '';
  /** This app's NATS identity, used when NATS_PASSWORD (or the file NATS_PASSWORD_FILE) is set; else anonymous. */
  @IsString() @IsNotEmpty() NATS_USER = 'message-store';
  @IsString() NATS_PASSWORD = '';
  @IsString() NATS_PASSWORD_FILE = '.parley/keys/nats/message-store.password';
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
}

export interface MessageStoreConfig {
  http: { host: string; port: number };
  logLevel: string;
  database: { url: string; poolSize: number; timeouts: PostgresTimeouts };
  nats: { url: string; subjectPrefix: string; user: string; pass?: string };
  cipher: MessageCipher;
  append: { batchMax: number; batchWaitMs: number; queueMax: number };
  lifecycle: { editWindowMs: number };
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
    nats: {
      url: e.NATS_URL,
      subjectPrefix: e.NATS_SUBJECT_PREFIX,
      user: e.NATS_USER,
      pass: e.NATS_PASSWORD || undefined,
    },
    cipher,
    append: { batchMax: e.APPEND_BATCH_MAX, batchWaitMs: e.APPEND_BATCH_WAIT_MS, queueMax: e.APPEND_QUEUE_MAX },
    lifecycle: { editWindowMs: e.MESSAGE_EDIT_WINDOW_SECONDS * 1000 },
  };
}
