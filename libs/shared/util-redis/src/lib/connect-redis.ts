import { Logger } from '@nestjs/common';
import { redactUrl } from '@parley/shared/util-config';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** One Redis server, or a Redis Cluster: every app's Redis I/O goes through this type. */
export type RedisClient = Redis | Cluster;

/**
 * REDIS_CLUSTER_NODES: empty (one server, at REDIS_URL) or `host:port,host:port,...`, seed
 * nodes of a Redis Cluster (the client discovers the rest). With a cluster, REDIS_URL's
 * user, password and TLS (`rediss:`) apply to every node and its host and port are unused.
 */
export const REDIS_CLUSTER_NODES_PATTERN = /^$|^[A-Za-z0-9.\-_[\]:]+:\d{1,5}(,[A-Za-z0-9.\-_[\]:]+:\d{1,5})*$/;
export const REDIS_CLUSTER_NODES_MESSAGE =
  'REDIS_CLUSTER_NODES must be empty (one Redis at REDIS_URL) or host:port seed nodes of a Redis Cluster, comma-separated';

/** Where Redis is: REDIS_URL, plus the cluster's seed nodes when REDIS_CLUSTER_NODES is set. */
export interface RedisTarget {
  /** REDIS_URL (or the content of REDIS_URL_FILE, read by loadEnv); may carry a password. */
  url: string;
  /** REDIS_CLUSTER_NODES as given; empty or absent: one server at `url`. */
  clusterNodes?: string;
}

/** The seed nodes of REDIS_CLUSTER_NODES (empty: not a cluster). */
export function parseClusterNodes(spec: string | undefined): { host: string; port: number }[] {
  if (!spec) return [];
  return spec.split(',').map((hostPort) => {
    const at = hostPort.lastIndexOf(':');
    return { host: hostPort.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(at + 1)) };
  });
}

export function isCluster(target: RedisTarget): boolean {
  return parseClusterNodes(target.clusterNodes).length > 0;
}

/** How the target is named in errors and logs, never with its password. */
export function describeRedisTarget(target: RedisTarget): string {
  const nodes = parseClusterNodes(target.clusterNodes);
  return nodes.length > 0 ? `cluster ${nodes.map((n) => `${n.host}:${n.port}`).join(',')}` : redactUrl(target.url);
}

/** Settings of one client; the cluster form spreads them over its nodes and itself. */
export interface RedisClientSettings extends Omit<RedisOptions, 'lazyConnect' | 'retryStrategy'> {
  retryStrategy?: (attempt: number) => number | null;
}

/**
 * A client for the target, not yet connected when lazyConnect is true. With a cluster the
 * URL's credentials and TLS go to every node; the offline queue and auto-pipelining are the
 * cluster's own options (per node they would do nothing).
 */
export function createRedisClient(target: RedisTarget, settings: RedisClientSettings, lazyConnect = true): RedisClient {
  const nodes = parseClusterNodes(target.clusterNodes);
  if (nodes.length === 0) return new Redis(target.url, { ...settings, lazyConnect });
  const { retryStrategy, enableOfflineQueue, enableAutoPipelining, ...perNode } = settings;
  const url = new URL(target.url);
  return new Cluster(nodes, {
    lazyConnect,
    enableOfflineQueue,
    enableAutoPipelining,
    clusterRetryStrategy: retryStrategy,
    redisOptions: {
      ...perNode,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
}

export interface ConnectRedisOptions extends RedisTarget {
  /** CLIENT SETNAME, shown by CLIENT LIST. */
  name: string;
  /** What the connection serves, in its errors: "cannot connect to Redis (rate limits) at …". */
  purpose?: string;
  /** Bound on the first connection; a start-up never waits longer than this. Default 5000. */
  connectTimeoutMs?: number;
  /** What an outage means for this use, logged when the connection is lost and when it is back. */
  whileLost?: string;
  whenRestored?: string;
  /** The use's own command settings (offline queue, retries per request, command timeout, pipelining). */
  redis?: Omit<RedisOptions, 'lazyConnect' | 'connectionName' | 'connectTimeout' | 'retryStrategy'>;
}

/**
 * Opens a Redis connection (one server or a cluster) that fails fast at start-up (ioredis
 * would otherwise retry forever and the service would hang "starting"), reconnects forever
 * afterwards, logs a loss and a recovery once each, and never prints the URL's password.
 */
export async function connectRedis(options: ConnectRedisOptions): Promise<RedisClient> {
  const logger = new Logger('Redis');
  let started = false;
  let lastError: Error | undefined;
  let lost = false;
  const connectTimeout = options.connectTimeoutMs ?? 5000;
  const redis = createRedisClient(options, {
    ...options.redis,
    connectionName: options.name,
    connectTimeout,
    retryStrategy: (attempt) => (started ? Math.min(attempt * 200, 2000) : null),
  });
  // Heard for the connection's whole life: an unheard 'error' would crash the process.
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    // A cluster that answers but never reaches "ready" (slots not covered) is bounded too.
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not ready within ${connectTimeout} ms`)), connectTimeout + 1000);
      }),
    ]);
  } catch (err) {
    // Already 'end' (no retry at start-up); disconnect() now would leave a 2 s timer behind.
    if (redis.status !== 'end') redis.disconnect();
    const what = options.purpose ? `Redis (${options.purpose})` : 'Redis';
    throw new Error(
      `cannot connect to ${what} at ${describeRedisTarget(options)}: ${(lastError ?? (err as Error)).message}`,
    );
  } finally {
    clearTimeout(timer);
  }
  started = true;
  // 'reconnecting', not 'close': a deliberate quit at shutdown is not a loss.
  redis.on('reconnecting', () => {
    if (!lost)
      logger.warn(
        `Redis connection ${options.name} lost (${lastError?.message ?? 'closed'}); ${options.whileLost ?? 'reconnecting'}`,
      );
    lost = true;
  });
  redis.on('ready', () => {
    if (lost)
      logger.log(`Redis connection ${options.name} restored${options.whenRestored ? `; ${options.whenRestored}` : ''}`);
    lost = false;
  });
  return redis;
}

/** A readiness check (util-service's ReadinessCheck) for /health/ready. */
export function redisReadiness(redis: RedisClient): { name: string; isReady: () => Promise<boolean> } {
  return {
    name: 'redis',
    isReady: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
  };
}

/** QUIT (pending replies first), or a plain disconnect when Redis does not answer; idempotent. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'end') return;
  await redis.quit().catch(() => redis.disconnect());
}

/** The servers holding data: every master of a cluster, or the one server. */
export function dataNodes(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}
