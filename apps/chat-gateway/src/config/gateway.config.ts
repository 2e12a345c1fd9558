import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { ConfigError, loadEnv } from '@parley/shared/util-config';

/** Every variable chat-gateway reads, with defaults that work on a laptop. */
export class GatewayEnv {
  @IsInt() @Min(0) @Max(65535) GATEWAY_PORT = 3000;
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @IsString() @IsNotEmpty() NATS_URL = 'nats://127.0.0.1:4222';
  @IsString() NATS_SUBJECT_PREFIX = '';
  @IsInt() @Min(100) @Max(60000) NATS_REQUEST_TIMEOUT_MS = 5000;
  /** PEM (SPKI) public key(s) that verify access tokens; or JWT_PUBLIC_KEY_FILE. */
  @IsString({ message: 'JWT_PUBLIC_KEY (or the file JWT_PUBLIC_KEY_FILE) must hold a PEM public key; `npm start` generates one in .parley/keys' })
  JWT_PUBLIC_KEY: string = undefined as unknown as string;
  @IsString() JWT_PUBLIC_KEY_FILE = '.parley/keys/jwt-public.pem';
  @IsString() @IsNotEmpty() JWT_ISSUER = 'parley-auth';
  @IsString() @IsNotEmpty() JWT_AUDIENCE = 'parley';
  /** Unique per replica: its NATS delivery subject. Defaults to host name + random suffix. */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'GATEWAY_INSTANCE_ID must be 1-64 of A-Z a-z 0-9 _ -' })
  GATEWAY_INSTANCE_ID = `${hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  /** Largest Socket.IO packet / HTTP body accepted (bytes). */
  @IsInt() @Min(1024) @Max(10 * 1024 * 1024) MAX_PAYLOAD_BYTES = 65536;
  /** Comma-separated allowed Origins for browsers, or * for any. */
  @IsString() CORS_ORIGINS = '*';
  @IsInt() @Min(1) @Max(10000) RATE_LIMIT_MESSAGES_PER_SECOND = 20;
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_MESSAGES_BURST = 100;
  @IsInt() @Min(1) @Max(1000) RATE_LIMIT_TYPING_PER_SECOND = 5;
  @IsInt() @Min(1) @Max(1000) MAX_CONNECTIONS_PER_USER = 20;
  @IsInt() @Min(1000) @Max(60000) PRESENCE_HEARTBEAT_MS = 5000;
  @IsInt() @Min(3) @Max(300) PRESENCE_TTL_SECONDS = 20;
  @IsInt() @Min(10) @Max(1000) REPLAY_PAGE_SIZE = 100;
  /** How long an out-of-order message waits for the gap before it is filled from the store. */
  @IsInt() @Min(1) @Max(5000) GAP_FILL_DELAY_MS = 30;
  @IsInt() @Min(1000) @Max(120000) SOCKET_PING_INTERVAL_MS = 25000;
  @IsInt() @Min(1000) @Max(120000) SOCKET_PING_TIMEOUT_MS = 20000;
  @IsInt() @Min(0) @Max(600000) SHUTDOWN_DRAIN_MS = 5000;
  /** Tests only (refused when NODE_ENV=production): drop this share of deliveries from other gateways. */
  @IsInt() @Min(0) @Max(100) GATEWAY_TEST_DROP_DELIVERIES_PERCENT = 0;
  /** Tests only (refused when NODE_ENV=production): 1 turns live-delivery repair off, to measure what it costs. */
  @IsInt() @Min(0) @Max(1) GATEWAY_TEST_DISABLE_HEADS_REPAIR = 0;
}

export interface GatewayConfig {
  http: { host: string; port: number };
  logLevel: string;
  instanceId: string;
  nats: { url: string; subjectPrefix: string; requestTimeoutMs: number };
  jwt: { publicKeyPem: string; issuer: string; audience: string };
  limits: {
    maxPayloadBytes: number;
    messagesPerSecond: number;
    messagesBurst: number;
    typingPerSecond: number;
    maxConnectionsPerUser: number;
  };
  corsOrigins: string[] | '*';
  presence: { heartbeatMs: number; ttlSeconds: number };
  delivery: { replayPageSize: number; gapFillDelayMs: number };
  socket: { pingIntervalMs: number; pingTimeoutMs: number; shutdownDrainMs: number };
  /** Percent of incoming inter-gateway deliveries dropped on purpose (fault tests of live-delivery repair). */
  testDropDeliveriesPercent: number;
  /** Live-delivery repair off (a measurement's baseline only). */
  testDisableHeadsRepair: boolean;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = loadEnv('chat-gateway', GatewayEnv, env);
  if ((e.GATEWAY_TEST_DROP_DELIVERIES_PERCENT > 0 || e.GATEWAY_TEST_DISABLE_HEADS_REPAIR > 0) && env['NODE_ENV'] === 'production') {
    throw new ConfigError('chat-gateway', ['GATEWAY_TEST_DROP_DELIVERIES_PERCENT and GATEWAY_TEST_DISABLE_HEADS_REPAIR lose messages on purpose: refused when NODE_ENV=production']);
  }
  return {
    http: { host: e.HTTP_HOST, port: e.GATEWAY_PORT },
    logLevel: e.LOG_LEVEL,
    instanceId: e.GATEWAY_INSTANCE_ID,
    nats: { url: e.NATS_URL, subjectPrefix: e.NATS_SUBJECT_PREFIX, requestTimeoutMs: e.NATS_REQUEST_TIMEOUT_MS },
    jwt: { publicKeyPem: e.JWT_PUBLIC_KEY, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE },
    limits: {
      maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
      messagesPerSecond: e.RATE_LIMIT_MESSAGES_PER_SECOND,
      messagesBurst: e.RATE_LIMIT_MESSAGES_BURST,
      typingPerSecond: e.RATE_LIMIT_TYPING_PER_SECOND,
      maxConnectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
    },
    corsOrigins: e.CORS_ORIGINS.trim() === '*' ? '*' : e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    presence: { heartbeatMs: e.PRESENCE_HEARTBEAT_MS, ttlSeconds: e.PRESENCE_TTL_SECONDS },
    delivery: { replayPageSize: e.REPLAY_PAGE_SIZE, gapFillDelayMs: e.GAP_FILL_DELAY_MS },
    socket: { pingIntervalMs: e.SOCKET_PING_INTERVAL_MS, pingTimeoutMs: e.SOCKET_PING_TIMEOUT_MS, shutdownDrainMs: e.SHUTDOWN_DRAIN_MS },
    testDropDeliveriesPercent: e.GATEWAY_TEST_DROP_DELIVERIES_PERCENT,
    testDisableHeadsRepair: e.GATEWAY_TEST_DISABLE_HEADS_REPAIR === 1,
  };
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
