import { randomUUID } from 'node:crypto';
import { ParleyError } from '@parley/contracts';
import { deleteTestKeys, testRedisTargets } from '@parley/shared/testing';
import { dataNodes, type RedisClient } from '@parley/shared/util-redis';
import { connectPresenceRedis } from '../redis/redis.connection';
import { PresenceRepository, shardOf } from './presence.repository';

const id = () => randomUUID();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SHARDS = 16;

describe.each(testRedisTargets)('PresenceRepository (real Redis: $kind)', ({ target }) => {
  const keyPrefix = `test:presence-repo:${randomUUID().slice(0, 8)}:`;
  let redis: RedisClient;
  let other: RedisClient;
  let repo: PresenceRepository;
  /** A second replica's repository, on its own connection. */
  let replica: PresenceRepository;
  const options = { keyPrefix, shards: SHARDS, defaultTtlMs: 30_000 };

  beforeAll(async () => {
    redis = await connectPresenceRedis({ ...target, name: 'presence-repo-test' });
    other = await connectPresenceRedis({ ...target, name: 'presence-repo-test-2' });
    repo = new PresenceRepository(redis, options);
    replica = new PresenceRepository(other, options);
  });

  afterAll(async () => {
    await deleteTestKeys(redis, `${keyPrefix}*`);
    await redis.quit();
    await other.quit();
  });

  /** Whether any shard still lists the instance. */
  async function instanceKnown(inst: string): Promise<boolean> {
    const scores = await Promise.all(
      Array.from({ length: SHARDS }, (_, k) => redis.zscore(`${repo.shardPrefix(k)}instances`, inst)),
    );
    return scores.some((score) => score !== null);
  }

  async function sweepAll(r: PresenceRepository): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const { batches, more } = await r.sweep(2);
      out.push(...batches.flatMap((b) => b.userIds));
      if (!more) return out;
    }
  }

  it('locates any number of users with one script per shard, and spreads them over the shards', async () => {
    const users = Array.from({ length: 500 }, () => id());
    await Promise.all(users.map((u, i) => (i % 2 === 0 ? repo.connect(u, `gw-${i % 4}`, id()) : undefined)));
    const located = jest.spyOn(repo as unknown as { run: (...a: unknown[]) => unknown }, 'run');
    try {
      const found = await repo.locate(users);
      expect(located.mock.calls.length).toBe(new Set(users.map((u) => shardOf(u, SHARDS))).size);
      expect(located.mock.calls.length).toBeGreaterThan(1);
      expect(found.size).toBe(250);
      expect(found.get(users[2])).toEqual(['gw-2']);
      expect(found.has(users[1])).toBe(false);
    } finally {
      located.mockRestore();
    }
    // The ceiling this layout lifts: users' keys are in every shard's slot, so on a cluster
    // every master holds some (the old layout put them all in one slot: one node).
    const keysPerNode = await Promise.all(
      dataNodes(redis).map(async (node) => (await node.keys(`${keyPrefix}*u:*`)).length),
    );
    expect(keysPerNode.reduce((a, b) => a + b, 0)).toBe(250);
    expect(keysPerNode.every((n) => n > 0)).toBe(true);
    expect(keysPerNode).toHaveLength(target.clusterNodes ? 3 : 1);
  });

  it("caps a user's connections on all gateways together, atomically under 40 concurrent connects", async () => {
    const u = id();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? replica : repo).connect(u, `gw-${i % 3}`, id(), 10)),
    );
    expect(results.filter((r) => !r.refused)).toHaveLength(10);
    expect((await repo.locate([u])).get(u)?.sort()).toEqual(['gw-0', 'gw-1', 'gw-2']);
    // A connection already registered is no new one (a repeated connect), and a closed one frees a place.
    const inst = 'gw-x';
    const v = id();
    const sockets = Array.from({ length: 3 }, () => id());
    for (const s of sockets) expect((await repo.connect(v, inst, s, 3)).refused).toBe(false);
    expect((await repo.connect(v, inst, sockets[0], 3)).refused).toBe(false);
    expect((await repo.connect(v, inst, id(), 3)).refused).toBe(true);
    await repo.disconnect(v, inst, sockets[1]);
    expect((await repo.connect(v, inst, id(), 3)).refused).toBe(false);
    // No cap given: none applies.
    expect((await repo.connect(v, inst, id())).refused).toBe(false);
  });

  it('expires connections nobody heartbeated after the default ttl, and pages the sweep', async () => {
    const shortLived = new PresenceRepository(redis, { ...options, defaultTtlMs: 300 });
    const users = Array.from({ length: 5 }, () => id());
    const inst = `gw-short-${id()}`;
    for (const u of users) expect((await shortLived.connect(u, inst, id())).cameOnline).toBe(true);
    // Locate drops them as soon as they expire, before any sweep.
    await sleep(400);
    expect((await repo.locate(users)).size).toBe(0);
    expect((await repo.query(users)).every((p) => p.online)).toBe(true);

    const first = await repo.sweep(1);
    expect(first.more).toBe(true);
    const firstAt = Math.min(...first.batches.map((b) => b.at));
    const wentOffline = [...first.batches.flatMap((b) => b.userIds), ...(await sweepAll(repo))];
    expect(wentOffline.sort()).toEqual([...users].sort());
    const stored = await repo.query(users);
    expect(stored.every((p) => !p.online && p.lastSeenMs !== null && p.lastSeenMs >= firstAt)).toBe(true);
    // The instance itself is forgotten once its last connection is gone.
    expect(await instanceKnown(inst)).toBe(false);
  });

  it('publishes each expiry to exactly one of two replicas sweeping at once', async () => {
    const inst = `gw-race-${id()}`;
    await repo.heartbeat(inst, 200, []);
    const users = Array.from({ length: 40 }, () => id());
    const came = await repo.heartbeat(
      inst,
      200,
      users.map((userId) => ({ userId, socketId: id() })),
    );
    expect(came.userIds.sort()).toEqual([...users].sort());
    await sleep(300);
    const [a, b] = await Promise.all([sweepAll(repo), sweepAll(replica)]);
    expect([...a, ...b].sort()).toEqual([...users].sort());
  });

  it('keeps a heartbeat from bringing back a connection closed meanwhile', async () => {
    const [u, inst, s] = [id(), `gw-${id()}`, id()];
    await repo.connect(u, inst, s);
    expect((await repo.disconnect(u, inst, s)).wentOffline).toBe(true);
    // The gateway built this heartbeat before the socket closed.
    expect((await repo.heartbeat(inst, 30_000, [{ userId: u, socketId: s }])).userIds).toEqual([]);
    expect((await repo.locate([u])).size).toBe(0);
  });

  it("gives a heartbeat's ttl precedence over the connect default", async () => {
    const [u, inst, s] = [id(), `gw-${id()}`, id()];
    await repo.connect(u, inst, s); // 30 s default
    await repo.heartbeat(inst, 200, [{ userId: u, socketId: s }]);
    await sleep(300);
    expect((await repo.locate([u])).size).toBe(0);
    expect(await sweepAll(repo)).toContain(u);
  });

  it('closes a departing instance in pages and ignores its late heartbeats until a connect proves it alive', async () => {
    const inst = `gw-gone-${id()}`;
    const users = Array.from({ length: 5 }, () => id());
    const rows = users.map((userId) => ({ userId, socketId: id() }));
    await repo.heartbeat(inst, 30_000, rows);

    const first = await repo.instanceGone(inst, 1);
    const firstGone = first.batches.flatMap((b) => b.userIds);
    expect(firstGone.length).toBeGreaterThan(0);
    expect(first.remaining).toBe(5 - firstGone.length);
    const second = await repo.instanceGone(inst, 10);
    expect(second.remaining).toBe(0);
    expect([...firstGone, ...second.batches.flatMap((b) => b.userIds)].sort()).toEqual([...users].sort());

    expect((await repo.heartbeat(inst, 30_000, rows)).userIds).toEqual([]);
    expect((await repo.locate(users)).size).toBe(0);
    // An instance id reused by a restarted gateway: its first connect lifts the marker.
    expect((await repo.connect(users[0], inst, id())).cameOnline).toBe(true);
    expect((await repo.heartbeat(inst, 30_000, rows.slice(1))).userIds.sort()).toEqual(users.slice(1).sort());
  });

  it('counts online users and known instances', async () => {
    const before = await repo.counts();
    const [u, inst] = [id(), `gw-${id()}`];
    await repo.connect(u, inst, id());
    const after = await repo.counts();
    expect(after.onlineUsers).toBe(before.onlineUsers + 1);
    expect(after.instances).toBe(before.instances + 1);
  });

  it('reconnects by itself after losing its Redis connection', async () => {
    const name = `presence-repo-test-reconnect-${id().slice(0, 8)}`;
    const conn = await connectPresenceRedis({ ...target, name });
    try {
      const r = new PresenceRepository(conn, options);
      const [u, inst] = [id(), `gw-${id()}`];
      await r.connect(u, inst, id());
      // Every connection of this client (one per node on a cluster) is killed.
      for (const node of dataNodes(redis)) {
        const list = String(await node.client('LIST'));
        for (const [, clientId] of list.matchAll(new RegExp(`id=(\\d+) .*name=${name} `, 'g'))) {
          await node.client('KILL', 'ID', clientId);
        }
      }
      await sleep(50);
      let located: Map<string, string[]> | undefined;
      for (let i = 0; i < 100 && !located; i++) {
        located = await r.locate([u]).catch(() => sleep(50).then(() => undefined));
      }
      expect(located?.get(u)).toEqual([inst]);
    } finally {
      await conn.quit();
    }
  });

  it('answers unavailable when Redis is unreachable', async () => {
    const down = await connectPresenceRedis({ ...target, name: 'presence-repo-test-down' });
    const broken = new PresenceRepository(down, { ...options, defaultTtlMs: 1000 });
    down.disconnect();
    const err = await broken.connect(id(), 'gw', id()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe('unavailable');
  });
});
