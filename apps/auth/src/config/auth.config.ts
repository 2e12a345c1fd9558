import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { REDIS_CLUSTER_NODES_MESSAGE, REDIS_CLUSTER_NODES_PATTERN } from '@parley/shared/util-redis';
import {
  ConfigError,
  loadEnv,
  serviceNatsConfig,
  type ServiceConfig,
  type ServiceNatsConfig,
} from '@parley/shared/util-config';
import { PostgresServiceEnv, postgresTimeouts, type PostgresTimeouts } from '@parley/shared/data-access-postgres';
import type { RateLimit } from '@parley/shared/util-rate-limit';
import { httpEdgeConfig, type HttpEdgeConfig } from '@parley/shared/util-service';

/** Every variable auth reads, with defaults that work on a laptop. */
export class AuthEnv extends PostgresServiceEnv {
  @IsInt() @Min(0) @Max(65535) AUTH_PORT = 3001;
  @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE = 10;
  override NATS_USER = 'auth';
  override NATS_PASSWORD_FILE = '.parley/keys/nats/auth.password';
  /** Replicas of the JetStream revocation stream: 3 on a 3-node NATS cluster. */
  @IsInt() @Min(1) @Max(5) NATS_STREAM_REPLICAS = 1;
  /** PEM (PKCS#8) ES256 private key; or JWT_PRIVATE_KEY_FILE. */
  @IsString({
    message:
      'JWT_PRIVATE_KEY (or the file JWT_PRIVATE_KEY_FILE) must hold a PEM private key; `npm start` generates one in .parley/keys',
  })
  JWT_PRIVATE_KEY: string = undefined as unknown as string;
  @IsString() JWT_PRIVATE_KEY_FILE = '.parley/keys/jwt-private.pem';
  /** Extra PEM public keys auth also accepts (a key rotation's previous key); or JWT_PUBLIC_KEY_FILE. */
  @IsOptional() @IsString() JWT_PUBLIC_KEY?: string = undefined;
  @IsString() JWT_PUBLIC_KEY_FILE = '.parley/keys/jwt-public.pem';
  @IsString() @IsNotEmpty() JWT_ISSUER = 'parley-auth';
  @IsString() @IsNotEmpty() JWT_AUDIENCE = 'parley';
  @IsInt() @Min(60) @Max(86400 * 30) JWT_TTL_SECONDS = 3600;
  /** Oldest token accepted (from its iat), whatever its exp; at least JWT_TTL_SECONDS. */
  @IsInt() @Min(60) @Max(86400 * 30) JWT_MAX_AGE_SECONDS = 86400;
  /** scrypt cost (log2 N, r=8, p=1); 17 = OWASP's minimum, 128 MiB per hash. Test stacks lower it for speed. */
  @IsInt() @Min(10) @Max(20) PASSWORD_SCRYPT_LOG_N = 17;
  /** Hashes computed at once (each holds a libuv pool thread and 128 MiB at cost 17); more wait in line. */
  @IsInt() @Min(1) @Max(64) PASSWORD_HASH_CONCURRENCY = 2;
  /** Login attempts per (client address, username) per minute: slows password guessing. */
  @IsInt() @Min(1) @Max(100000) LOGIN_ATTEMPTS_PER_MINUTE = 20;
  /** Registrations per client address per minute: slows account farming. */
  @IsInt() @Min(1) @Max(100000) REGISTRATIONS_PER_MINUTE = 10;
  /** Login, registration and per-user HTTP limits are counted here, shared by every auth replica. */
  @IsString() @IsNotEmpty() REDIS_URL = 'redis://127.0.0.1:6379';
  /** Seed nodes of a Redis Cluster, host:port,...; empty: one server at REDIS_URL (docs/operations.md, "Redis Cluster"). */
  @Matches(REDIS_CLUSTER_NODES_PATTERN, { message: REDIS_CLUSTER_NODES_MESSAGE }) REDIS_CLUSTER_NODES = '';
  @IsString() @IsNotEmpty() RATE_LIMIT_REDIS_KEY_PREFIX = 'parley:auth-rate:';
  /** Browser origins allowed (comma-separated); '*' is refused. */
  @IsString() CORS_ORIGINS = 'http://localhost:4200,http://127.0.0.1:4200';
  /** Proxies whose X-Forwarded-For names the client (Express 'trust proxy'). */
  @IsString() TRUSTED_PROXIES = 'loopback';
  /** 'true' serves /docs and /docs/openapi.json. */
  @IsIn(['true', 'false']) API_DOCS_ENABLED = 'false';
  /** Authenticated requests per user (GET /v1/users/..., logout). */
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_HTTP_PER_SECOND = 50;
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_HTTP_BURST = 200;
}

export type AuthRateLimitName = 'login' | 'register' | 'http';

export interface AuthConfig extends ServiceConfig {
  http: { host: string; port: number; edge: HttpEdgeConfig };
  database: { url: string; poolSize: number; timeouts: PostgresTimeouts };
  nats: ServiceNatsConfig & { streamReplicas: number };
  jwt: {
    privateKeyPem: string;
    extraPublicKeysPem: string;
    issuer: string;
    audience: string;
    ttlSeconds: number;
    maxAgeSeconds: number;
  };
  password: { scryptLogN: number; concurrency: number };
  limits: {
    /** `login`: per (client address, username); `register`: per client address; `http`: per user. */
    rates: Record<AuthRateLimitName, RateLimit>;
    redis: { url: string; clusterNodes: string; keyPrefix: string };
  };
}

/** n per minute, as a RateLimit (one window of 60 s). */
const perMinute = (n: number): RateLimit => ({ perSecond: n / 60, burst: n });

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const e = loadEnv('auth', AuthEnv, env);
  if (e.JWT_TTL_SECONDS > e.JWT_MAX_AGE_SECONDS) {
    throw new ConfigError('auth', [
      `JWT_TTL_SECONDS (${e.JWT_TTL_SECONDS}) is above JWT_MAX_AGE_SECONDS (${e.JWT_MAX_AGE_SECONDS}): tokens would be refused before they expire`,
    ]);
  }
  return {
    http: { host: e.HTTP_HOST, port: e.AUTH_PORT, edge: httpEdgeConfig('auth', e) },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, timeouts: postgresTimeouts(e) },
    nats: { ...serviceNatsConfig(e), streamReplicas: e.NATS_STREAM_REPLICAS },
    jwt: {
      privateKeyPem: e.JWT_PRIVATE_KEY,
      extraPublicKeysPem: e.JWT_PUBLIC_KEY ?? '',
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      ttlSeconds: e.JWT_TTL_SECONDS,
      maxAgeSeconds: e.JWT_MAX_AGE_SECONDS,
    },
    password: { scryptLogN: e.PASSWORD_SCRYPT_LOG_N, concurrency: e.PASSWORD_HASH_CONCURRENCY },
    limits: {
      rates: {
        login: perMinute(e.LOGIN_ATTEMPTS_PER_MINUTE),
        register: perMinute(e.REGISTRATIONS_PER_MINUTE),
        http: { perSecond: e.RATE_LIMIT_HTTP_PER_SECOND, burst: e.RATE_LIMIT_HTTP_BURST },
      },
      redis: { url: e.REDIS_URL, clusterNodes: e.REDIS_CLUSTER_NODES, keyPrefix: e.RATE_LIMIT_REDIS_KEY_PREFIX },
    },
  };
}
