import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { REDIS_CLUSTER_NODES_MESSAGE, REDIS_CLUSTER_NODES_PATTERN } from '@parley/shared/util-redis';
import { ConfigError, loadEnv, ServiceEnv } from '@parley/shared/util-config';
import type { RateLimit } from '@parley/shared/util-rate-limit';
import { httpEdgeConfig, type HttpEdgeConfig } from '@parley/shared/util-service';

/** The gateway's per-user rate limits, one per kind of request. */
export type GatewayRateLimitName = 'send' | 'typing' | 'delivered' | 'read' | 'presenceSubscribe' | 'http';

/** Every variable chat-gateway reads, with defaults that work on a laptop. */
export class GatewayEnv extends ServiceEnv {
  @IsInt() @Min(0) @Max(65535) GATEWAY_PORT = 3000;
  /** The gRPC edge (parley.v1.ChatGateway and grpc.health.v1.Health), on HTTP_HOST; 0 picks a free port. */
  @IsInt() @Min(0) @Max(65535) GATEWAY_GRPC_PORT = 3005;
  override NATS_USER = 'chat-gateway';
  override NATS_PASSWORD_FILE = '.parley/keys/nats/chat-gateway.password';
  /** Replicas of the JetStream revocation stream, should this gateway create it first: 3 on a 3-node NATS cluster. */
  @IsInt() @Min(1) @Max(5) NATS_STREAM_REPLICAS = 1;
  @IsInt() @Min(100) @Max(60000) NATS_REQUEST_TIMEOUT_MS = 5000;
  /** PEM (SPKI) public key(s) that verify access tokens; or JWT_PUBLIC_KEY_FILE. */
  @IsString({
    message:
      'JWT_PUBLIC_KEY (or the file JWT_PUBLIC_KEY_FILE) must hold a PEM public key; `npm start` generates one in .parley/keys',
  })
  JWT_PUBLIC_KEY: string = undefined as unknown as string;
  @IsString() JWT_PUBLIC_KEY_FILE = '.parley/keys/jwt-public.pem';
  @IsString() @IsNotEmpty() JWT_ISSUER = 'parley-auth';
  @IsString() @IsNotEmpty() JWT_AUDIENCE = 'parley';
  /** Oldest token accepted (from its iat), whatever its exp. */
  @IsInt() @Min(60) @Max(86400 * 30) JWT_MAX_AGE_SECONDS = 86400;
  /** Unique per replica: its NATS delivery subject. Defaults to host name + random suffix. */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'GATEWAY_INSTANCE_ID must be 1-64 of A-Z a-z 0-9 _ -' })
  GATEWAY_INSTANCE_ID = `${hostname()
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  /** Largest Socket.IO packet / HTTP body accepted (bytes). */
  @IsInt() @Min(1024) @Max(10 * 1024 * 1024) MAX_PAYLOAD_BYTES = 65536;
  /** Browser origins allowed for HTTP and Socket.IO (comma-separated); '*' is refused. */
  @IsString() CORS_ORIGINS = 'http://localhost:4200,http://127.0.0.1:4200';
  /** Proxies whose X-Forwarded-For names the client (Express 'trust proxy'). */
  @IsString() TRUSTED_PROXIES = 'loopback';
  /** 'true' serves /docs and /docs/openapi.json. */
  @IsIn(['true', 'false']) API_DOCS_ENABLED = 'false';
  /** Per-user rate limits live here, shared by every gateway replica. May carry a password; or REDIS_URL_FILE. */
  @IsString() @IsNotEmpty() REDIS_URL = 'redis://127.0.0.1:6379';
  /** Seed nodes of a Redis Cluster, host:port,...; empty: one server at REDIS_URL (docs/operations.md, "Redis Cluster"). */
  @Matches(REDIS_CLUSTER_NODES_PATTERN, { message: REDIS_CLUSTER_NODES_MESSAGE }) REDIS_CLUSTER_NODES = '';
  @IsString() @IsNotEmpty() RATE_LIMIT_REDIS_KEY_PREFIX = 'parley:rate:';
  /** A limit check slower than this is answered by this gateway's own counters. */
  @IsInt() @Min(10) @Max(10000) RATE_LIMIT_REDIS_TIMEOUT_MS = 500;
  // Per user across all gateways: PER_SECOND sustained, bursts of BURST (docs/operations.md).
  @IsInt() @Min(1) @Max(10000) RATE_LIMIT_MESSAGES_PER_SECOND = 20;
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_MESSAGES_BURST = 100;
  @IsInt() @Min(1) @Max(1000) RATE_LIMIT_TYPING_PER_SECOND = 5;
  @IsInt() @Min(1) @Max(10000) RATE_LIMIT_DELIVERED_PER_SECOND = 50;
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_DELIVERED_BURST = 200;
  @IsInt() @Min(1) @Max(10000) RATE_LIMIT_READ_PER_SECOND = 20;
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_READ_BURST = 100;
  @IsInt() @Min(1) @Max(1000) RATE_LIMIT_PRESENCE_SUBSCRIBE_PER_SECOND = 5;
  @IsInt() @Min(1) @Max(10000) RATE_LIMIT_PRESENCE_SUBSCRIBE_BURST = 50;
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_HTTP_PER_SECOND = 50;
  @IsInt() @Min(1) @Max(100000) RATE_LIMIT_HTTP_BURST = 200;
  /** Replays on connect this gateway runs at once; more wait in line (a reconnect storm waits). */
  @IsInt() @Min(1) @Max(10000) REPLAY_CONCURRENCY = 32;
  /** Replays that may wait; beyond, the connection gets `replay:failed` (reconnect later). */
  @IsInt() @Min(0) @Max(1000000) REPLAY_QUEUE_MAX = 20000;
  /** History reads (HTTP pages and gap fills) one user runs at once on this gateway; more wait. */
  @IsInt() @Min(1) @Max(1000) HISTORY_READS_PER_USER = 4;
  /** History reads of one user that may wait; beyond, `rate_limited`. */
  @IsInt() @Min(0) @Max(10000) HISTORY_READS_QUEUE_PER_USER = 32;
  /** Socket.IO connections per user on all gateways together; the next gets connect_error `rate_limited`. */
  @IsInt() @Min(1) @Max(1000) MAX_CONNECTIONS_PER_USER = 10;
  @IsInt() @Min(1000) @Max(60000) PRESENCE_HEARTBEAT_MS = 5000;
  /** Recipients' locations cached by the fan-out (docs/scaling.md, "The location cache"); 0: no cache. */
  @IsInt() @Min(0) @Max(10_000_000) LOCATION_CACHE_MAX_ENTRIES = 100_000;
  /** How long a cached location is trusted at most, invalidation or not. */
  @IsInt() @Min(100) @Max(60_000) LOCATION_CACHE_TTL_MS = 5000;
  @IsInt() @Min(3) @Max(300) PRESENCE_TTL_SECONDS = 20;
  @IsInt() @Min(10) @Max(1000) REPLAY_PAGE_SIZE = 100;
  /** How long an out-of-order message waits for the gap before it is filled from the store. */
  @IsInt() @Min(1) @Max(5000) GAP_FILL_DELAY_MS = 30;
  @IsInt() @Min(1000) @Max(120000) SOCKET_PING_INTERVAL_MS = 25000;
  @IsInt() @Min(1000) @Max(120000) SOCKET_PING_TIMEOUT_MS = 20000;
  @IsInt() @Min(0) @Max(600000) SHUTDOWN_DRAIN_MS = 5000;
  /**
   * Bytes a socket may have waiting to be written (Engine.IO buffer + the TCP socket's own
   * buffer, beyond what the kernel holds). A client that stops reading goes over it during a
   * fan-out and is dropped; what it missed waits in the store for its next connect.
   */
  @IsInt() @Min(64 * 1024) @Max(256 * 1024 * 1024) SLOW_CONSUMER_MAX_BUFFER_BYTES = 4 * 1024 * 1024;
  /** Nesting depth of a Socket.IO event payload (docs/protocol.md payloads are 2 levels deep). */
  @IsInt() @Min(2) @Max(64) MAX_PAYLOAD_DEPTH = 6;
  /** Longest time the start-up waits for the revoked-sessions stream to be replayed. */
  @IsInt() @Min(1000) @Max(120000) REVOCATIONS_REPLAY_TIMEOUT_MS = 15000;
  /** Tests only (refused when NODE_ENV=production): drop this share of deliveries from other gateways. */
  @IsInt() @Min(0) @Max(100) GATEWAY_TEST_DROP_DELIVERIES_PERCENT = 0;
  /** Tests only (refused when NODE_ENV=production): 1 turns live-delivery repair off, to measure what it costs. */
  @IsInt() @Min(0) @Max(1) GATEWAY_TEST_DISABLE_HEADS_REPAIR = 0;
}

export interface GatewayConfig {
  http: { host: string; port: number };
  grpc: { port: number };
  logLevel: string;
  instanceId: string;
  nats: {
    url: string;
    subjectPrefix: string;
    user: string;
    pass?: string;
    requestTimeoutMs: number;
    streamReplicas: number;
  };
  jwt: { publicKeyPem: string; issuer: string; audience: string; maxAgeSeconds: number };
  limits: {
    maxPayloadBytes: number;
    /** Per user, across gateways (UserRateLimits on Redis). */
    rates: Record<GatewayRateLimitName, RateLimit>;
    redis: { url: string; clusterNodes: string; keyPrefix: string; timeoutMs: number };
    maxConnectionsPerUser: number;
    replays: { concurrency: number; maxWaiting: number };
    historyReadsPerUser: { concurrency: number; maxWaiting: number };
  };
  /** CORS allow-list (HTTP and Socket.IO), trusted proxies, API docs. */
  edge: HttpEdgeConfig;
  presence: { heartbeatMs: number; ttlSeconds: number; locationCache: { maxEntries: number; ttlMs: number } };
  delivery: { replayPageSize: number; gapFillDelayMs: number };
  socket: { pingIntervalMs: number; pingTimeoutMs: number; shutdownDrainMs: number };
  /** The hardening's knobs (docs/reliability.md). */
  security: { slowConsumerMaxBufferBytes: number; maxPayloadDepth: number; revocationsReplayTimeoutMs: number };
  /** Percent of incoming inter-gateway deliveries dropped on purpose (fault tests of live-delivery repair). */
  testDropDeliveriesPercent: number;
  /** Live-delivery repair off (a measurement's baseline only). */
  testDisableHeadsRepair: boolean;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = loadEnv('chat-gateway', GatewayEnv, env);
  if (
    (e.GATEWAY_TEST_DROP_DELIVERIES_PERCENT > 0 || e.GATEWAY_TEST_DISABLE_HEADS_REPAIR > 0) &&
    env['NODE_ENV'] === 'production'
  ) {
    throw new ConfigError('chat-gateway', [
      'GATEWAY_TEST_DROP_DELIVERIES_PERCENT and GATEWAY_TEST_DISABLE_HEADS_REPAIR lose messages on purpose: refused when NODE_ENV=production',
    ]);
  }
  return {
    http: { host: e.HTTP_HOST, port: e.GATEWAY_PORT },
    grpc: { port: e.GATEWAY_GRPC_PORT },
    logLevel: e.LOG_LEVEL,
    instanceId: e.GATEWAY_INSTANCE_ID,
    nats: {
      url: e.NATS_URL,
      subjectPrefix: e.NATS_SUBJECT_PREFIX,
      user: e.NATS_USER,
      pass: e.NATS_PASSWORD || undefined,
      requestTimeoutMs: e.NATS_REQUEST_TIMEOUT_MS,
      streamReplicas: e.NATS_STREAM_REPLICAS,
    },
    jwt: {
      publicKeyPem: e.JWT_PUBLIC_KEY,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      maxAgeSeconds: e.JWT_MAX_AGE_SECONDS,
    },
    limits: {
      maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
      rates: {
        send: { perSecond: e.RATE_LIMIT_MESSAGES_PER_SECOND, burst: e.RATE_LIMIT_MESSAGES_BURST },
        typing: { perSecond: e.RATE_LIMIT_TYPING_PER_SECOND, burst: e.RATE_LIMIT_TYPING_PER_SECOND * 2 },
        delivered: { perSecond: e.RATE_LIMIT_DELIVERED_PER_SECOND, burst: e.RATE_LIMIT_DELIVERED_BURST },
        read: { perSecond: e.RATE_LIMIT_READ_PER_SECOND, burst: e.RATE_LIMIT_READ_BURST },
        presenceSubscribe: {
          perSecond: e.RATE_LIMIT_PRESENCE_SUBSCRIBE_PER_SECOND,
          burst: e.RATE_LIMIT_PRESENCE_SUBSCRIBE_BURST,
        },
        http: { perSecond: e.RATE_LIMIT_HTTP_PER_SECOND, burst: e.RATE_LIMIT_HTTP_BURST },
      },
      redis: {
        url: e.REDIS_URL,
        clusterNodes: e.REDIS_CLUSTER_NODES,
        keyPrefix: e.RATE_LIMIT_REDIS_KEY_PREFIX,
        timeoutMs: e.RATE_LIMIT_REDIS_TIMEOUT_MS,
      },
      maxConnectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
      replays: { concurrency: e.REPLAY_CONCURRENCY, maxWaiting: e.REPLAY_QUEUE_MAX },
      historyReadsPerUser: { concurrency: e.HISTORY_READS_PER_USER, maxWaiting: e.HISTORY_READS_QUEUE_PER_USER },
    },
    edge: httpEdgeConfig('chat-gateway', e),
    presence: {
      heartbeatMs: e.PRESENCE_HEARTBEAT_MS,
      ttlSeconds: e.PRESENCE_TTL_SECONDS,
      locationCache: { maxEntries: e.LOCATION_CACHE_MAX_ENTRIES, ttlMs: e.LOCATION_CACHE_TTL_MS },
    },
    delivery: { replayPageSize: e.REPLAY_PAGE_SIZE, gapFillDelayMs: e.GAP_FILL_DELAY_MS },
    socket: {
      pingIntervalMs: e.SOCKET_PING_INTERVAL_MS,
      pingTimeoutMs: e.SOCKET_PING_TIMEOUT_MS,
      shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    },
    security: {
      slowConsumerMaxBufferBytes: e.SLOW_CONSUMER_MAX_BUFFER_BYTES,
      maxPayloadDepth: e.MAX_PAYLOAD_DEPTH,
      revocationsReplayTimeoutMs: e.REVOCATIONS_REPLAY_TIMEOUT_MS,
    },
    testDropDeliveriesPercent: e.GATEWAY_TEST_DROP_DELIVERIES_PERCENT,
    testDisableHeadsRepair: e.GATEWAY_TEST_DISABLE_HEADS_REPAIR === 1,
  };
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
