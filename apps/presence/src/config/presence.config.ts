import { IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { REDIS_CLUSTER_NODES_MESSAGE, REDIS_CLUSTER_NODES_PATTERN } from '@parley/shared/util-redis';
import { loadEnv, ServiceEnv, serviceNatsConfig, type ServiceConfig } from '@parley/shared/util-config';

/** Every variable presence reads, with defaults that work on a laptop. */
export class PresenceEnv extends ServiceEnv {
  @IsInt() @Min(0) @Max(65535) PRESENCE_PORT = 3002;
  /** May carry a password (redis://:secret@host:6379/0); or REDIS_URL_FILE. */
  @IsString() @IsNotEmpty() REDIS_URL = 'redis://127.0.0.1:6379';
  /** Seed nodes of a Redis Cluster, host:port,...; empty: one server at REDIS_URL (docs/operations.md, "Redis Cluster"). */
  @Matches(REDIS_CLUSTER_NODES_PATTERN, { message: REDIS_CLUSTER_NODES_MESSAGE }) REDIS_CLUSTER_NODES = '';
  /**
   * Put before every key, then the shard's hash tag ("parley:presence:{17}:u:<user>"). No
   * braces of its own: a tag here would put every shard in one slot again.
   */
  @Matches(/^[^{}]+$/, { message: 'REDIS_KEY_PREFIX must not contain { or } (presence adds one hash tag per shard)' })
  REDIS_KEY_PREFIX = 'parley:presence:';
  /**
   * Hash slots presence spreads users over (docs/scaling.md, "Presence on Redis Cluster"):
   * at least 8 per cluster master so they spread evenly. 0: 64 on a cluster, 1 on one Redis
   * (where more shards only cost more commands per lookup). Fixed for a deployment: a change
   * starts presence empty (gateways' heartbeats re-create connections within seconds; last-seen
   * times and counters of the old layout are left behind).
   */
  @IsInt() @Min(0) @Max(16384) PRESENCE_SHARDS = 0;
  /** Stricter than ServiceEnv's check (whose decorators this replaces): whole dot-terminated tokens. */
  @Matches(/^([A-Za-z0-9_-]+\.)*$/, {
    message: 'NATS_SUBJECT_PREFIX must be empty or dot-terminated tokens, e.g. "t1234."',
  })
  override NATS_SUBJECT_PREFIX = '';
  override NATS_USER = 'presence';
  override NATS_PASSWORD_FILE = '.parley/keys/nats/presence.password';
  /** Lifetime of a connection registered by connect until a heartbeat names it (a heartbeat's ttlSeconds wins). */
  @IsInt() @Min(1) @Max(3600) PRESENCE_TTL_SECONDS = 30;
  /** How often expired connections are swept (users of a dead gateway go offline). */
  @IsInt() @Min(50) @Max(60_000) PRESENCE_SWEEP_INTERVAL_MS = 2000;
}

export interface PresenceConfig extends ServiceConfig {
  redis: { url: string; clusterNodes: string; keyPrefix: string };
  shards: number;
  presence: { defaultTtlSeconds: number; sweepIntervalMs: number };
}

export function loadPresenceConfig(env: NodeJS.ProcessEnv = process.env): PresenceConfig {
  const e = loadEnv('presence', PresenceEnv, env);
  return {
    http: { host: e.HTTP_HOST, port: e.PRESENCE_PORT },
    logLevel: e.LOG_LEVEL,
    redis: { url: e.REDIS_URL, clusterNodes: e.REDIS_CLUSTER_NODES, keyPrefix: e.REDIS_KEY_PREFIX },
    shards: e.PRESENCE_SHARDS || (e.REDIS_CLUSTER_NODES ? 64 : 1),
    nats: serviceNatsConfig(e),
    presence: { defaultTtlSeconds: e.PRESENCE_TTL_SECONDS, sweepIntervalMs: e.PRESENCE_SWEEP_INTERVAL_MS },
  };
}
