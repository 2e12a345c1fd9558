import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import {
  ParleyError,
  PresenceChangedV1,
  PresenceConnectV1,
  PresenceDisconnectV1,
  PresenceHeartbeatV1,
  PresenceInstanceGoneV1,
  PresenceLocateV1,
  PresenceQueryV1,
  type PresenceState,
} from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { connectTestRedis, deleteTestKeys, http, testRedisTargets } from '@parley/shared/testing';
import { dataNodes, type RedisClient } from '@parley/shared/util-redis';
import { register } from 'prom-client';
import { bootstrap } from './bootstrap';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const baseEnv = {
  ...process.env,
  PRESENCE_PORT: '0',
  HTTP_HOST: '127.0.0.1',
  LOG_LEVEL: 'error',
  REDIS_URL,
  NATS_URL,
  PRESENCE_TTL_SECONDS: '30',
  PRESENCE_SWEEP_INTERVAL_MS: '200',
  PRESENCE_SHARDS: '16',
};

const id = () => randomUUID();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe.each(testRedisTargets)('presence service (real NATS, $kind)', ({ target }) => {
  const run = randomUUID().slice(0, 8);
  const subjectPrefix = `t${run}.`;
  const keyPrefix = `test:presence:${run}:`;
  const env = {
    ...baseEnv,
    REDIS_CLUSTER_NODES: target.clusterNodes,
    REDIS_KEY_PREFIX: keyPrefix,
    NATS_SUBJECT_PREFIX: subjectPrefix,
  };
  let app: INestApplication;
  let baseUrl: string;
  let bus: NatsBus;
  let redis: RedisClient;
  const changes: PresenceState[] = [];
  const changesOf = (userId: string) => changes.filter((c) => c.userId === userId);

  const connect = (userId: string, instanceId: string, socketId: string) =>
    bus.request(PresenceConnectV1, { userId, instanceId, socketId });
  const disconnect = (userId: string, instanceId: string, socketId: string) =>
    bus.request(PresenceDisconnectV1, { userId, instanceId, socketId });
  const locate = async (userIds: string[]) => (await bus.request(PresenceLocateV1, { userIds })).locations;
  const queryOne = async (userId: string) => (await bus.request(PresenceQueryV1, { userIds: [userId] })).presence[0];

  /**
   * Events of one app are published in order on one connection: once a marker user's
   * online event has arrived, every event published before it has too.
   */
  async function eventsSettled(): Promise<void> {
    const marker = id();
    await connect(marker, `marker-${run}`, id());
    await waitFor('the marker event', () => changesOf(marker).length > 0);
  }

  beforeAll(async () => {
    app = await bootstrap(env);
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    bus = await NatsBus.connect({ url: NATS_URL, name: 'presence-test', requestTimeoutMs: 5000, subjectPrefix });
    bus.subscribe(PresenceChangedV1, (state) => {
      changes.push(state);
    });
    await bus.flush();
    redis = await connectTestRedis(target);
  });

  afterAll(async () => {
    await app?.close();
    await bus?.drain();
    if (redis) {
      await deleteTestKeys(redis, `${keyPrefix}*`);
      await redis.quit();
    }
  });

  it('reports ready with Redis and NATS up, and serves metrics', async () => {
    const ready = await http<{ status: string; info: Record<string, unknown> }>(baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.info).sort()).toEqual(['nats', 'redis']);
    await connect(id(), 'metrics-gw', id());
    const metrics = await http<string>(baseUrl, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^parley_presence_online_users\{[^}]*\} [1-9]\d*$/m);
    expect(metrics.body).toMatch(/^parley_presence_transitions_total\{[^}]*to="online"[^}]*\} [1-9]\d*$/m);
  });

  it('goes online with the first connection and offline with the last, across sockets and instances', async () => {
    const user = id();
    const [gwA, gwB] = [`gw-a-${run}`, `gw-b-${run}`];
    const [s1, s2, s3] = [id(), id(), id()];

    expect(await connect(user, gwA, s1)).toEqual({ cameOnline: true });
    expect(await connect(user, gwA, s2)).toEqual({ cameOnline: false });
    expect(await connect(user, gwB, s3)).toEqual({ cameOnline: false });
    expect(await connect(user, gwA, s1)).toEqual({ cameOnline: false }); // a retried connect
    expect((await locate([user]))[user]?.sort()).toEqual([gwA, gwB].sort());

    expect(await disconnect(user, gwA, s1)).toEqual({ wentOffline: false });
    expect(await disconnect(user, gwA, s2)).toEqual({ wentOffline: false });
    expect(await locate([user])).toEqual({ [user]: [gwB] });
    expect(await queryOne(user)).toEqual({ userId: user, online: true, lastSeenAt: null });

    const before = Date.now();
    expect(await disconnect(user, gwB, s3)).toEqual({ wentOffline: true });
    expect(await disconnect(user, gwB, s3)).toEqual({ wentOffline: false }); // a retried disconnect
    expect(await locate([user])).toEqual({});

    await eventsSettled();
    const events = changesOf(user);
    expect(events.map((e) => e.online)).toEqual([true, false]);
    expect(events[0].lastSeenAt).toBeNull();
    const seen = Date.parse(events[1].lastSeenAt ?? '');
    expect(seen).toBeGreaterThanOrEqual(before - 1000); // Redis' clock; same machine
    expect(await queryOne(user)).toEqual({ userId: user, online: false, lastSeenAt: events[1].lastSeenAt });
  });

  it('does not let a connect that arrives after its own disconnect bring the socket back', async () => {
    const user = id();
    const socket = id();
    expect(await disconnect(user, `gw-late-${run}`, socket)).toEqual({ wentOffline: false });
    expect(await connect(user, `gw-late-${run}`, socket)).toEqual({ cameOnline: false });
    expect(await locate([user])).toEqual({});
    expect((await queryOne(user)).online).toBe(false);
  });

  it('locates many users in one call, answering only online ones with their instances', async () => {
    const instances = [`gw-l1-${run}`, `gw-l2-${run}`, `gw-l3-${run}`];
    const online = Array.from({ length: 240 }, () => id());
    const offline = Array.from({ length: 60 }, () => id());
    const expected: Record<string, string[]> = {};
    await Promise.all(
      online.map(async (user, i) => {
        const held = i % 5 === 0 ? [instances[0], instances[i % 3 === 0 ? 1 : 2]] : [instances[i % 3]];
        expected[user] = [...new Set(held)].sort();
        for (const inst of held) await connect(user, inst, id());
      }),
    );
    // Heartbeats of a gateway name its current connections; this one holds two sockets of one user.
    const both = online[1];
    bus.publish(PresenceHeartbeatV1, {
      instanceId: instances[2],
      connections: [
        { userId: both, socketId: id() },
        { userId: both, socketId: id() },
      ],
      ttlSeconds: 30,
    });
    expected[both] = [...new Set([...expected[both], instances[2]])].sort();
    await waitForAsync(async () => ((await locate([both]))[both]?.includes(instances[2]) ? true : undefined));

    const asked = [...offline, ...online, online[0], online[0]];
    const located = await locate(asked);
    const sorted = Object.fromEntries(Object.entries(located).map(([u, list]) => [u, [...list].sort()]));
    expect(sorted).toEqual(expected);
    expect(await locate([])).toEqual({});
  });

  it('answers queries: online with lastSeenAt null, never seen, and last seen after going offline', async () => {
    const [onlineUser, neverSeen, wentAway] = [id(), id(), id()];
    await connect(onlineUser, `gw-q-${run}`, id());
    const socket = id();
    await connect(wentAway, `gw-q-${run}`, socket);
    await disconnect(wentAway, `gw-q-${run}`, socket);

    const { presence } = await bus.request(PresenceQueryV1, { userIds: [onlineUser, neverSeen, wentAway, onlineUser] });
    expect(presence).toHaveLength(3);
    expect(presence[0]).toEqual({ userId: onlineUser, online: true, lastSeenAt: null });
    expect(presence[1]).toEqual({ userId: neverSeen, online: false, lastSeenAt: null });
    expect(presence[2]).toMatchObject({ userId: wentAway, online: false });
    expect(new Date(presence[2].lastSeenAt ?? 'x').toISOString()).toBe(presence[2].lastSeenAt);

    // Back online: lastSeenAt is null again while online.
    await connect(wentAway, `gw-q-${run}`, id());
    expect(await queryOne(wentAway)).toEqual({ userId: wentAway, online: true, lastSeenAt: null });
  });

  describe('a gateway that stops heartbeating', () => {
    let replica: INestApplication;
    beforeAll(async () => {
      // A second presence replica sweeping too: every offline transition must still be published once.
      // Both live in this process: its default metrics would collide with the first app's.
      register.clear();
      replica = await bootstrap(env);
    });
    afterAll(async () => {
      await replica?.close();
    });

    it('has its users shown offline, while a user also on a live gateway stays online', async () => {
      const [dying, live] = [`gw-dying-${run}`, `gw-live-${run}`];
      const onlyOnDying = [id(), id(), id()];
      const onBoth = id();
      const sockets = new Map([...onlyOnDying, onBoth].map((u) => [u, id()]));

      // The dying gateway heartbeats with a 2 s ttl; its later connects inherit it.
      bus.publish(PresenceHeartbeatV1, { instanceId: dying, connections: [], ttlSeconds: 2 });
      await bus.flush();
      await sleep(100);
      for (const user of [...onlyOnDying, onBoth]) await connect(user, dying, sockets.get(user) ?? '');
      const liveSocket = id();
      await connect(onBoth, live, liveSocket);
      bus.publish(PresenceHeartbeatV1, {
        instanceId: dying,
        connections: [...sockets].map(([userId, socketId]) => ({ userId, socketId })),
        ttlSeconds: 2,
      });
      bus.publish(PresenceHeartbeatV1, {
        instanceId: live,
        connections: [{ userId: onBoth, socketId: liveSocket }],
        ttlSeconds: 30,
      });
      const heartbeatsSent = Date.now();
      // ... and then dies (no goodbye, no more heartbeats).

      for (const user of onlyOnDying) {
        await waitFor(`${user} offline`, () => changesOf(user).some((c) => !c.online));
      }
      expect(Date.now() - heartbeatsSent).toBeGreaterThanOrEqual(1500); // not before its ttl
      await eventsSettled();
      for (const user of onlyOnDying) {
        const events = changesOf(user);
        expect(events.map((e) => e.online)).toEqual([true, false]);
        expect(events[1].lastSeenAt).not.toBeNull();
        expect(await queryOne(user)).toEqual({ userId: user, online: false, lastSeenAt: events[1].lastSeenAt });
      }
      expect(await locate([...onlyOnDying, onBoth])).toEqual({ [onBoth]: [live] });
      expect(await queryOne(onBoth)).toEqual({ userId: onBoth, online: true, lastSeenAt: null });
      expect(changesOf(onBoth).map((e) => e.online)).toEqual([true]);
    });
  });

  it('closes every connection of a gateway that says goodbye, and ignores its in-flight heartbeats', async () => {
    const [leaving, staying] = [`gw-leaving-${run}`, `gw-staying-${run}`];
    const [onlyLeaving, onBoth] = [id(), id()];
    const [s1, s2, s3, s4] = [id(), id(), id(), id()];
    await connect(onlyLeaving, leaving, s1);
    await connect(onlyLeaving, leaving, s2);
    await connect(onBoth, leaving, s3);
    await connect(onBoth, staying, s4);

    bus.publish(PresenceInstanceGoneV1, { instanceId: leaving });
    await waitFor('offline after goodbye', () => changesOf(onlyLeaving).some((c) => !c.online));
    expect(await locate([onlyLeaving, onBoth])).toEqual({ [onBoth]: [staying] });

    // A heartbeat the gateway sent just before leaving arrives late.
    bus.publish(PresenceHeartbeatV1, {
      instanceId: leaving,
      connections: [
        { userId: onlyLeaving, socketId: s1 },
        { userId: onBoth, socketId: s3 },
      ],
      ttlSeconds: 30,
    });
    await bus.flush();
    await sleep(200);
    await eventsSettled();
    expect(await locate([onlyLeaving, onBoth])).toEqual({ [onBoth]: [staying] });
    expect(changesOf(onlyLeaving).map((e) => e.online)).toEqual([true, false]);
    expect(changesOf(onBoth).map((e) => e.online)).toEqual([true]);
  });

  it('rebuilds presence from heartbeats after Redis lost its keys', async () => {
    const gw = `gw-rebuild-${run}`;
    const users = [id(), id(), id()];
    const sockets = users.map(() => id());
    for (const [i, user] of users.entries()) await connect(user, gw, sockets[i]);
    expect(Object.keys(await locate(users)).sort()).toEqual([...users].sort());

    // What a Redis restart without persistence (or a FLUSHALL) does to presence.
    const keys = (await Promise.all(dataNodes(redis).map((node) => node.keys(`${keyPrefix}*`)))).flat();
    expect(keys.length).toBeGreaterThan(0);
    await deleteTestKeys(redis, `${keyPrefix}*`);
    expect(await locate(users)).toEqual({});

    // The gateway's next heartbeat (chunked, as a big gateway sends it) restores everything.
    const connections = users.map((userId, i) => ({ userId, socketId: sockets[i] }));
    bus.publish(PresenceHeartbeatV1, { instanceId: gw, connections: connections.slice(0, 2), ttlSeconds: 30 });
    bus.publish(PresenceHeartbeatV1, { instanceId: gw, connections: connections.slice(2), ttlSeconds: 30 });
    const rebuilt = await waitForAsync(async () => {
      const found = await locate(users);
      return Object.keys(found).length === users.length ? found : undefined;
    });
    expect(rebuilt).toEqual(Object.fromEntries(users.map((u) => [u, [gw]])));
    expect((await queryOne(users[0])).online).toBe(true);

    // The rebuilt state is whole: disconnects still find the connections.
    expect(await disconnect(users[0], gw, sockets[0])).toEqual({ wentOffline: true });
    expect((await queryOne(users[0])).online).toBe(false);
  });

  it('keeps transitions exact under 50 concurrent connects and then 50 concurrent disconnects of one user', async () => {
    const user = id();
    const conns = Array.from({ length: 50 }, (_, i) => ({ inst: `gw-c${i % 3}-${run}`, socket: id() }));

    const connected = await Promise.all(conns.map((c) => connect(user, c.inst, c.socket)));
    expect(connected.filter((r) => r.cameOnline)).toHaveLength(1);
    expect((await locate([user]))[user]?.sort()).toEqual([0, 1, 2].map((i) => `gw-c${i}-${run}`));

    const disconnected = await Promise.all(conns.map((c) => disconnect(user, c.inst, c.socket)));
    expect(disconnected.filter((r) => r.wentOffline)).toHaveLength(1);
    expect(await locate([user])).toEqual({});

    await eventsSettled();
    expect(changesOf(user).map((e) => e.online)).toEqual([true, false]);
    expect((await queryOne(user)).online).toBe(false);
  });

  it('answers invalid to malformed requests and survives malformed events', async () => {
    const bad = (await connect(id(), 'gw|x', id()).catch((e: unknown) => e)) as ParleyError;
    expect(bad).toBeInstanceOf(ParleyError);
    expect(bad.code).toBe('invalid');
    await expect(bus.request(PresenceConnectV1, { userId: id() } as never)).rejects.toMatchObject({ code: 'invalid' });
    await expect(bus.request(PresenceLocateV1, { userIds: 'nope' } as never)).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(bus.request(PresenceQueryV1, {} as never)).rejects.toMatchObject({ code: 'invalid' });

    // A heartbeat with a bad row still refreshes its good rows; a garbage one is dropped.
    const user = id();
    bus.publish(PresenceHeartbeatV1, { instanceId: `gw-bad-${run}`, connections: 'x', ttlSeconds: -1 } as never);
    bus.publish(PresenceHeartbeatV1, {
      instanceId: `gw-bad-${run}`,
      connections: [{ userId: 'a|b', socketId: 'x' }, null, { userId: user, socketId: id() }] as never,
      ttlSeconds: 30,
    });
    const found = await waitForAsync(async () => (await locate([user]))[user]);
    expect(found).toEqual([`gw-bad-${run}`]);
  });
});

async function waitForAsync<T>(probe: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(25);
  }
}

describe('presence start-up', () => {
  const env = { ...baseEnv, NATS_SUBJECT_PREFIX: `t${randomUUID().slice(0, 8)}.` };
  it('fails fast with a clear message when Redis is unreachable', async () => {
    await expect(bootstrap({ ...env, REDIS_URL: 'redis://:secret@127.0.0.1:1' })).rejects.toThrow(
      /^cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
  });

  it('fails fast with a clear message when NATS is unreachable', async () => {
    await expect(bootstrap({ ...env, NATS_URL: 'nats://127.0.0.1:1' })).rejects.toThrow(
      /^cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/,
    );
  });
});
