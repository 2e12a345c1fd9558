import { ParleyError } from '@parley/contracts';
import type { RedisClient } from '@parley/shared/util-redis';
import { ReplyError } from 'ioredis';
import {
  connectScript,
  disconnectScript,
  heartbeatScript,
  instanceGoneScript,
  locateScript,
  queryScript,
  sweepScript,
} from './presence.scripts';

export interface ConnectionRef {
  userId: string;
  socketId: string;
}

/** Users whose state changed, and when (Redis time, ms since the epoch). */
export interface Transitions {
  userIds: string[];
  at: number;
}

export interface StoredPresence {
  userId: string;
  online: boolean;
  /** When the user last went offline; null if never recorded. */
  lastSeenMs: number | null;
}

export interface PresenceRepositoryOptions {
  /** REDIS_KEY_PREFIX, without a hash tag: each shard adds its own ("<prefix>{<shard>}:"). */
  keyPrefix: string;
  /** PRESENCE_SHARDS: how many hash slots presence spreads over (fixed for a deployment). */
  shards: number;
  /** Lifetime of a connection from connect until its instance's first heartbeat. */
  defaultTtlMs: number;
}

const unavailableReply = /^(LOADING|BUSY|OOM|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

type ScriptReply = (string | number)[];

/** FNV-1a of the user id: the same shard on every replica, whatever the runtime. */
export function shardOf(userId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

function groupByShard<T>(items: T[], shardOfItem: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const shard = shardOfItem(item);
    const group = groups.get(shard);
    if (group) group.push(item);
    else groups.set(shard, [item]);
  }
  return groups;
}
type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

const scripts = {
  parleyPresenceConnect: connectScript,
  parleyPresenceDisconnect: disconnectScript,
  parleyPresenceHeartbeat: heartbeatScript,
  parleyPresenceSweep: sweepScript,
  parleyPresenceInstanceGone: instanceGoneScript,
  parleyPresenceLocate: locateScript,
  parleyPresenceQuery: queryScript,
} as const;
type ScriptName = keyof typeof scripts;

/**
 * All of presence's Redis I/O. Users are spread over `shards` hash slots by user id; a
 * user's keys and the per-gateway index of that shard share the shard's slot, so every
 * script runs in one slot, atomically, on whichever node serves it. A call about one user is
 * one EVALSHA; calls about many (heartbeat, locate, query) or about all (sweep, instance
 * gone) run one script per shard concerned, in parallel. Redis failures become `unavailable`
 * so callers can retry.
 */
export class PresenceRepository {
  private readonly commands: Record<ScriptName, ScriptFn>;
  private readonly prefixes: string[];

  constructor(
    private readonly redis: RedisClient,
    private readonly options: PresenceRepositoryOptions,
  ) {
    for (const [name, lua] of Object.entries(scripts)) {
      // KEYS[1] names the shard's slot (ioredis Cluster routes by it); the scripts build the
      // shard's other keys from the same tagged prefix (see presence.scripts.ts).
      redis.defineCommand(name, { numberOfKeys: 1, lua });
    }
    this.prefixes = Array.from({ length: options.shards }, (_, k) => `${options.keyPrefix}{${k}}:`);
    const target = redis as unknown as Record<ScriptName, ScriptFn>;
    this.commands = Object.fromEntries(
      (Object.keys(scripts) as ScriptName[]).map((name) => [name, target[name].bind(redis)]),
    ) as Record<ScriptName, ScriptFn>;
  }

  /** `maxConnections` (0: none) caps the user's live connections on all gateways together. */
  async connect(
    userId: string,
    instanceId: string,
    socketId: string,
    maxConnections = 0,
  ): Promise<{ cameOnline: boolean; refused: boolean; at: number }> {
    const [came, at, refused, lifted] = await this.run(
      'parleyPresenceConnect',
      this.shard(userId),
      userId,
      instanceId,
      socketId,
      this.options.defaultTtlMs,
      maxConnections,
    );
    // Rare (a gateway restarted under the id it said goodbye with): every shard learns it lives.
    if (lifted === 1) {
      await this.guard(Promise.all(this.prefixes.map((p) => this.redis.del(`${p}g:${instanceId}`))));
    }
    return { cameOnline: came === 1, refused: refused === 1, at: Number(at) };
  }

  async disconnect(
    userId: string,
    instanceId: string,
    socketId: string,
  ): Promise<{ wentOffline: boolean; at: number }> {
    const [went, at] = await this.run(
      'parleyPresenceDisconnect',
      this.shard(userId),
      userId,
      instanceId,
      socketId,
      this.options.defaultTtlMs,
    );
    return { wentOffline: went === 1, at: Number(at) };
  }

  /**
   * Refreshes (or re-creates, after a Redis flush) an instance's connections: one script per
   * shard the rows fall in. No rows, no call: a shard keeps an instance only for its connections.
   */
  async heartbeat(instanceId: string, ttlMs: number, connections: ConnectionRef[]): Promise<Transitions> {
    const groups = groupByShard(connections, (c) => this.shard(c.userId));
    const replies = await Promise.all(
      [...groups].map(([shard, rows]) =>
        this.run('parleyPresenceHeartbeat', shard, instanceId, ttlMs, ...rows.flatMap((c) => [c.userId, c.socketId])),
      ),
    );
    return merge(replies.map(([at, ...userIds]) => ({ at: Number(at), userIds: userIds.map(String) })));
  }

  /**
   * Removes up to `limit` expired connections per shard; `more` when a shard reached the limit.
   * One batch per shard, each with its own Redis time (what the shard stored as last seen).
   */
  async sweep(limit: number): Promise<{ batches: Transitions[]; more: boolean }> {
    const replies = await Promise.all(this.prefixes.map((_, shard) => this.run('parleyPresenceSweep', shard, limit)));
    return {
      batches: replies.map(([at, , ...userIds]) => ({ at: Number(at), userIds: userIds.map(String) })),
      more: replies.some(([, more]) => more === 1),
    };
  }

  /** Closes up to `limit` connections per shard of a departing instance; `remaining` are left. */
  async instanceGone(instanceId: string, limit: number): Promise<{ batches: Transitions[]; remaining: number }> {
    // Every shard: each keeps its own goodbye marker against the instance's late heartbeats.
    const replies = await Promise.all(
      this.prefixes.map((_, shard) =>
        this.run('parleyPresenceInstanceGone', shard, instanceId, limit, this.options.defaultTtlMs),
      ),
    );
    return {
      batches: replies.map(([at, , ...userIds]) => ({ at: Number(at), userIds: userIds.map(String) })),
      remaining: replies.reduce((sum, [, remaining]) => sum + Number(remaining), 0),
    };
  }

  /** userId -> distinct instance ids holding a live connection; offline users are absent. */
  async locate(userIds: string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    await this.perShard(userIds, 'parleyPresenceLocate', (users, reply) => {
      const rows = reply as unknown as string[][];
      users.forEach((userId, i) => {
        const instances = rows[i];
        if (instances && instances.length > 0) found.set(userId, instances.map(String));
      });
    });
    return found;
  }

  async query(userIds: string[]): Promise<StoredPresence[]> {
    const byUser = new Map<string, StoredPresence>();
    await this.perShard(userIds, 'parleyPresenceQuery', (users, flat) => {
      users.forEach((userId, i) => {
        const seen = flat[i * 2 + 1];
        byUser.set(userId, {
          userId,
          online: flat[i * 2] === 1,
          lastSeenMs: seen === '' || seen === undefined ? null : Number(seen),
        });
      });
    });
    return userIds.map((userId) => byUser.get(userId) ?? { userId, online: false, lastSeenMs: null });
  }

  /** Sums every shard's counter; instances are counted once however many shards know them. */
  async counts(): Promise<{ onlineUsers: number; instances: number }> {
    const perShard = await this.guard(
      Promise.all(
        this.prefixes.map((p) =>
          Promise.all([this.redis.get(`${p}online`), this.redis.zrange(`${p}instances`, 0, -1)]),
        ),
      ),
    );
    const instances = new Set(perShard.flatMap(([, ids]) => ids));
    // A counter can drift below zero only if keys were deleted by hand mid-transition.
    const onlineUsers = perShard.reduce((sum, [online]) => sum + Math.max(0, Number(online ?? 0)), 0);
    return { onlineUsers, instances: instances.size };
  }

  /** The shard's tagged prefix: every key of the shard lives in the slot of `{<shard>}`. */
  shardPrefix(shard: number): string {
    return this.prefixes[shard] ?? '';
  }

  private shard(userId: string): number {
    return shardOf(userId, this.prefixes.length);
  }

  /** One script per shard the users fall in, in parallel; `take` reads each shard's reply. */
  private async perShard(
    userIds: string[],
    name: 'parleyPresenceLocate' | 'parleyPresenceQuery',
    take: (users: string[], reply: ScriptReply) => void,
  ): Promise<void> {
    const groups = groupByShard(userIds, (u) => this.shard(u));
    const replies = await Promise.all([...groups].map(([shard, users]) => this.run(name, shard, ...users)));
    [...groups.values()].forEach((users, i) => take(users, replies[i] ?? []));
  }

  private async run(name: ScriptName, shard: number, ...args: (string | number)[]): Promise<ScriptReply> {
    const prefix = this.shardPrefix(shard);
    return (await this.guard(this.commands[name](`${prefix}instances`, prefix, ...args))) as ScriptReply;
  }

  private async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      // A script or command bug stays an internal error; an unreachable, loading or
      // read-only Redis is `unavailable` (safe to retry).
      if (err instanceof ReplyError && !unavailableReply.test((err as Error).message)) throw err;
      throw new ParleyError('unavailable', `presence store is unavailable (${(err as Error).message})`);
    }
  }
}

/**
 * Transitions of several shards as one: the earliest shard's Redis time stands for all (the
 * shards' scripts ran at once; a cluster's nodes may disagree by their clock skew).
 */
function merge(parts: Transitions[]): Transitions {
  return {
    at: parts.length > 0 ? Math.min(...parts.map((p) => p.at)) : Date.now(),
    userIds: parts.flatMap((p) => p.userIds),
  };
}
