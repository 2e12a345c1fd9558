import { ParleyError } from '@parley/contracts';
import type Redis from 'ioredis';
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
  keyPrefix: string;
  /** Lifetime of a connection from connect until its instance's first heartbeat. */
  defaultTtlMs: number;
}

const unavailableReply = /^(LOADING|BUSY|OOM|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

type ScriptReply = (string | number)[];
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
 * All of presence's Redis I/O. Each method is one round trip (one EVALSHA); Redis
 * failures become `unavailable` so callers can retry.
 */
export class PresenceRepository {
  private readonly commands: Record<ScriptName, ScriptFn>;

  constructor(
    private readonly redis: Redis,
    private readonly options: PresenceRepositoryOptions,
  ) {
    for (const [name, lua] of Object.entries(scripts)) {
      // Keys are built inside the scripts from the prefix (see presence.scripts.ts).
      redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
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
    const [came, at, refused] = await this.run(
      'parleyPresenceConnect',
      userId,
      instanceId,
      socketId,
      this.options.defaultTtlMs,
      maxConnections,
    );
    return { cameOnline: came === 1, refused: refused === 1, at: Number(at) };
  }

  async disconnect(
    userId: string,
    instanceId: string,
    socketId: string,
  ): Promise<{ wentOffline: boolean; at: number }> {
    const [went, at] = await this.run(
      'parleyPresenceDisconnect',
      userId,
      instanceId,
      socketId,
      this.options.defaultTtlMs,
    );
    return { wentOffline: went === 1, at: Number(at) };
  }

  /** Refreshes (or re-creates, after a Redis flush) an instance's connections. */
  async heartbeat(instanceId: string, ttlMs: number, connections: ConnectionRef[]): Promise<Transitions> {
    const args = connections.flatMap((c) => [c.userId, c.socketId]);
    const [at, ...userIds] = await this.run('parleyPresenceHeartbeat', instanceId, ttlMs, ...args);
    return { at: Number(at), userIds: userIds.map(String) };
  }

  /** Removes up to `limit` expired connections; `more` when the limit was reached. */
  async sweep(limit: number): Promise<Transitions & { more: boolean }> {
    const [at, more, ...userIds] = await this.run('parleyPresenceSweep', limit);
    return { at: Number(at), more: more === 1, userIds: userIds.map(String) };
  }

  /** Closes up to `limit` connections of a departing instance; `remaining` are left. */
  async instanceGone(instanceId: string, limit: number): Promise<Transitions & { remaining: number }> {
    const [at, remaining, ...userIds] = await this.run(
      'parleyPresenceInstanceGone',
      instanceId,
      limit,
      this.options.defaultTtlMs,
    );
    return { at: Number(at), remaining: Number(remaining), userIds: userIds.map(String) };
  }

  /** userId -> distinct instance ids holding a live connection; offline users are absent. */
  async locate(userIds: string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    if (userIds.length === 0) return found;
    const rows = (await this.run('parleyPresenceLocate', ...userIds)) as unknown as string[][];
    userIds.forEach((userId, i) => {
      const instances = rows[i];
      if (instances && instances.length > 0) found.set(userId, instances.map(String));
    });
    return found;
  }

  async query(userIds: string[]): Promise<StoredPresence[]> {
    if (userIds.length === 0) return [];
    const flat = await this.run('parleyPresenceQuery', ...userIds);
    return userIds.map((userId, i) => {
      const seen = flat[i * 2 + 1];
      return { userId, online: flat[i * 2] === 1, lastSeenMs: seen === '' || seen === undefined ? null : Number(seen) };
    });
  }

  async counts(): Promise<{ onlineUsers: number; instances: number }> {
    const p = this.options.keyPrefix;
    const [online, instances] = await this.guard(
      Promise.all([this.redis.get(`${p}online`), this.redis.zcard(`${p}instances`)]),
    );
    // The counter can drift below zero only if keys were deleted by hand mid-transition.
    return { onlineUsers: Math.max(0, Number(online ?? 0)), instances };
  }

  private async run(name: ScriptName, ...args: (string | number)[]): Promise<ScriptReply> {
    return (await this.guard(this.commands[name](this.options.keyPrefix, ...args))) as ScriptReply;
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
