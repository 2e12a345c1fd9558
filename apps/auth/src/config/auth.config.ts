import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { loadEnv } from '@parley/shared/util-config';
import { PostgresTimeoutsEnv, postgresTimeouts, type PostgresTimeouts } from '@parley/shared/data-access-postgres';

/** Every variable auth reads, with defaults that work on a laptop. */
export class AuthEnv extends PostgresTimeoutsEnv {
  @IsInt() @Min(0) @Max(65535) AUTH_PORT = 3001;
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @IsString() @IsNotEmpty() DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/parley';
  @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE = 10;
  @IsString() @IsNotEmpty() NATS_URL = 'nats://127.0.0.1:4222';
  @IsString() NATS_SUBJECT_PREFIX = '';
  /** This app's NATS identity, used when NATS_PASSWORD (or the file NATS_PASSWORD_FILE) is set; else anonymous. */
  @IsString() @IsNotEmpty() NATS_USER = 'auth';
  @IsString() NATS_PASSWORD = '';
  @IsString() NATS_PASSWORD_FILE = '.parley/keys/nats/auth.password';
  /** Replicas of the JetStream revocation stream: 3 on a 3-node NATS cluster. */
  @IsInt() @Min(1) @Max(5) NATS_STREAM_REPLICAS = 1;
  /** PEM (PKCS#8) ES256 private key; or JWT_PRIVATE_KEY_FILE. */
  @IsString({ message: 'JWT_PRIVATE_KEY (or the file JWT_PRIVATE_KEY_FILE) must hold a PEM private key; `npm start` generates one in .parley/keys' })
  JWT_PRIVATE_KEY: string = undefined as unknown as string;
  @IsString() JWT_PRIVATE_KEY_FILE = '.parley/keys/jwt-private.pem';
  /** Extra PEM public keys auth also accepts (a key rotation's previous key); or JWT_PUBLIC_KEY_FILE. */
  @IsOptional() @IsString() JWT_PUBLIC_KEY?: string = undefined;
  @IsString() JWT_PUBLIC_KEY_FILE = '.parley/keys/jwt-public.pem';
  @IsString() @IsNotEmpty() JWT_ISSUER = 'parley-auth';
  @IsString() @IsNotEmpty() JWT_AUDIENCE = 'parley';
  @IsInt() @Min(60) @Max(86400 * 30) JWT_TTL_SECONDS = 3600;
  /** scrypt cost (log2 N); 15 = 32 MiB and ~50 ms per hash here. */
  @IsInt() @Min(10) @Max(20) PASSWORD_SCRYPT_LOG_N = 15;
  /** Login attempts per (client address, username) per minute: slows password guessing. */
  @IsInt() @Min(1) @Max(100000) LOGIN_ATTEMPTS_PER_MINUTE = 20;
  /** Authenticated requests per user (GET /v1/users/..., logout). */
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_HTTP_PER_SECOND = 50;
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_HTTP_BURST = 200;
}

export interface AuthConfig {
  http: { host: string; port: number };
  logLevel: string;
  database: { url: string; poolSize: number; timeouts: PostgresTimeouts };
  nats: { url: string; subjectPrefix: string; user: string; pass?: string; streamReplicas: number };
  jwt: { privateKeyPem: string; extraPublicKeysPem: string; issuer: string; audience: string; ttlSeconds: number };
  password: { scryptLogN: number };
  limits: { loginAttemptsPerMinute: number; http: { perSecond: number; burst: number } };
}

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const e = loadEnv('auth', AuthEnv, env);
  return {
    http: { host: e.HTTP_HOST, port: e.AUTH_PORT },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, timeouts: postgresTimeouts(e) },
    nats: { url: e.NATS_URL, subjectPrefix: e.NATS_SUBJECT_PREFIX, user: e.NATS_USER, pass: e.NATS_PASSWORD || undefined, streamReplicas: e.NATS_STREAM_REPLICAS },
    jwt: {
      privateKeyPem: e.JWT_PRIVATE_KEY,
      extraPublicKeysPem: e.JWT_PUBLIC_KEY ?? '',
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      ttlSeconds: e.JWT_TTL_SECONDS,
    },
    password: { scryptLogN: e.PASSWORD_SCRYPT_LOG_N },
    limits: {
      loginAttemptsPerMinute: e.LOGIN_ATTEMPTS_PER_MINUTE,
      http: { perSecond: e.RATE_LIMIT_HTTP_PER_SECOND, burst: e.RATE_LIMIT_HTTP_BURST },
    },
  };
}
