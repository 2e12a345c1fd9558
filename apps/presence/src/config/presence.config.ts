import { IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { loadEnv } from '@parley/shared/util-config';

/** Every variable presence reads, with defaults that work on a laptop. */
export class PresenceEnv {
  @IsInt() @Min(0) @Max(65535) PRESENCE_PORT = 3002;
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  /** May carry a password (redis://:secret@host:6379/0); or REDIS_URL_FILE. */
  @IsString() @IsNotEmpty() REDIS_URL = 'redis://127.0.0.1:6379';
  /**
   * Put before every key. For Redis Cluster give it a hash tag ("{parley:presence}:") so
   * the Lua scripts, which touch a user's and an instance's keys together, stay in one slot.
   */
  @IsString() @IsNotEmpty() REDIS_KEY_PREFIX = 'parley:presence:';
  @IsString() @IsNotEmpty() NATS_URL = 'nats://127.0.0.1:4222';
  @Matches(/^([A-Za-z0-9_-]+\.)*$/, {
    message: 'NATS_SUBJECT_PREFIX must be empty or dot-terminated tokens, e.g. "t1234."',
  })
  NATS_SUBJECT_PREFIX = '';
  /** This app's NATS identity, used when NATS_PASSWORD (or the file NATS_PASSWORD_FILE) is set; else anonymous. */
  @IsString() @IsNotEmpty() NATS_USER = 'presence';
  @IsString() NATS_PASSWORD = '';
  @IsString() NATS_PASSWORD_FILE = '.parley/keys/nats/presence.password';
  /** Lifetime of a connection registered by connect until a heartbeat names it (a heartbeat's ttlSeconds wins). */
  @IsInt() @Min(1) @Max(3600) PRESENCE_TTL_SECONDS = 30;
  /** How often expired connections are swept (users of a dead gateway go offline). */
  @IsInt() @Min(50) @Max(60_000) PRESENCE_SWEEP_INTERVAL_MS = 2000;
}

export interface PresenceConfig {
  http: { host: string; port: number };
  logLevel: string;
  redis: { url: string; keyPrefix: string };
  nats: { url: string; subjectPrefix: string; user: string; pass?: string };
  presence: { defaultTtlSeconds: number; sweepIntervalMs: number };
}

export function loadPresenceConfig(env: NodeJS.ProcessEnv = process.env): PresenceConfig {
  const e = loadEnv('presence', PresenceEnv, env);
  return {
    http: { host: e.HTTP_HOST, port: e.PRESENCE_PORT },
    logLevel: e.LOG_LEVEL,
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    nats: {
      url: e.NATS_URL,
      subjectPrefix: e.NATS_SUBJECT_PREFIX,
      user: e.NATS_USER,
      pass: e.NATS_PASSWORD || undefined,
    },
    presence: { defaultTtlSeconds: e.PRESENCE_TTL_SECONDS, sweepIntervalMs: e.PRESENCE_SWEEP_INTERVAL_MS },
  };
}
