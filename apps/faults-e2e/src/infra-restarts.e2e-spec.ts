import type { PresenceState } from '@parley/contracts';
import { http, TestSocket } from '@parley/shared/testing';
import { check, waitForDeliveries, type ChatUnderTest } from './support/checker';
import { FaultClient } from './support/fault-client';
import { FaultStack, pick, reportScenario, sleep, until } from './support/fault-stack';
import { Traffic, type TrafficLane } from './support/traffic';

/**
 * Issue 7, scenario 5: NATS, Redis and PostgreSQL restarted mid-traffic. The stack runs on
 * private servers of its own (the machine's are shared). The apps must recover by themselves:
 * no app may be restarted to get there.
 */
describe('faults: infrastructure restarts', () => {
  let fs: FaultStack;
  let pidsAtStart: Record<string, number | undefined>;
  const clients: FaultClient[] = [];

  beforeAll(async () => {
    fs = await FaultStack.start({
      label: 'faults-infra',
      privateInfra: { nats: true, redis: true, postgres: true },
      env: { PRESENCE_HEARTBEAT_MS: '5000', PRESENCE_TTL_SECONDS: '20' },
    });
    pidsAtStart = fs.pids();
  }, 240_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await fs?.stop();
  });

  async function setup(tag: string, groups: number, size: number) {
    const users = await fs.users(groups * size, tag);
    const chats: ChatUnderTest[] = [];
    const lanes: TrafficLane[] = [];
    const cs = await fs.clients(users);
    clients.push(...cs);
    for (let g = 0; g < groups; g++) {
      const members = users.slice(g * size, (g + 1) * size);
      const chat = await fs.group(members[0], members, `${tag} ${g}`);
      chats.push({ chatId: chat.id, memberIds: members.map((m) => m.user.id) });
      lanes.push({ client: cs[g * size], chatId: chat.id }, { client: cs[g * size + 1], chatId: chat.id });
    }
    return { users, chats, clients: cs, lanes };
  }

  /** Traffic spread over ~10 s, the fault injected ~2 s in. */
  async function underTraffic(tag: string, inject: () => Promise<void>, perLane = pick(120, 600)) {
    const { chats, clients: cs, lanes } = await setup(tag, 5, 4);
    const traffic = new Traffic(lanes, { perLane, window: 2, pacingMs: 60, tag: `${tag}-${Date.now()}` }).start();
    await traffic.untilAcked(60);
    const inFlight = traffic.log.inFlight;
    const faultAt = Date.now();
    await inject();
    const backAt = Date.now();
    await traffic.finished();
    const recoveredAt = traffic.log.firstAckOfAttemptAfter(backAt) ?? NaN;
    const delivery = await waitForDeliveries(fs.databaseUrl, chats, cs);
    const result = await check(fs.databaseUrl, chats, traffic.log, cs);
    // Live-delivery repair: nobody connected waits for a reconnect to get a message.
    expect({ clientsRepairedByReconnect: delivery.reconnected }).toEqual({ clientsRepairedByReconnect: 0 });
    return {
      result,
      figures: {
        messagesInFlight: inFlight,
        ...result,
        outageMs: backAt - faultAt,
        timeToRecoverMs: recoveredAt - backAt,
        timeToAllDeliveredMs: delivery.completeAt - backAt,
        clientsRepairedByReconnect: delivery.reconnected,
      },
      traffic,
    };
  }

  function expectClean(result: Awaited<ReturnType<typeof check>>, total: number) {
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ lost: 0, duplicatesAfterDedupe: 0, seqGaps: 0, strays: 0, duplicatesWithinConnection: 0 });
    expect(result.acknowledged).toBe(total);
  }

  it('5a. NATS restarted mid-traffic: every app reconnects by itself, nothing acknowledged is lost', async () => {
    const nats = fs.nats as NonNullable<typeof fs.nats>;
    const { result, figures, traffic } = await underTraffic('s5a', () => nats.restart(1000, 'SIGKILL'));
    await fs.supervisor.waitReady(60_000);
    // Logout still reaches every gateway after the restart (JetStream consumer and plain subject).
    const [u] = await fs.users(1, 's5a');
    const sockets = await Promise.all(fs.gatewayUrls.map((url) => TestSocket.connect(url, u.token)));
    const closed = sockets.map((s) => new Promise<void>((resolve) => s.socket.once('disconnect', () => resolve())));
    expect((await http(fs.authUrl, 'POST', '/v1/auth/logout', { token: u.token })).status).toBe(204);
    await Promise.all(closed);
    const refused = await Promise.all(fs.gatewayUrls.map((url) => http(url, 'GET', '/v1/chats', { token: u.token })));
    reportScenario({ scenario: '5a-nats-restart', injected: 'SIGKILL nats-server, back after 1 s (JetStream state on disk)', ...figures, logoutAfterRestart: refused.map((r) => r.status) });
    expectClean(result, traffic.total);
    expect(refused.map((r) => r.status)).toEqual([401, 401]);
    expect(fs.pids()).toEqual(pidsAtStart);
  });

  it('5b. Redis restarted empty mid-traffic: presence rebuilt within its TTL, nobody stuck online, delivery unaffected', async () => {
    const redis = fs.redis as NonNullable<typeof fs.redis>;
    const people = await fs.users(8, 's5b');
    const [watcher, ...others] = people;
    await fs.group(watcher, people, 's5b presence');
    const [w, ...cs] = await fs.clients(people);
    clients.push(w, ...cs);
    const leaving = cs.slice(0, 3);
    const staying = cs.slice(3);
    const ids = others.map((u) => u.user.id);
    const subscribe = async () => {
      const ack = await w.emitAck('presence:subscribe', { userIds: ids });
      if (!ack.ok) return new Map<string, PresenceState>();
      return new Map((ack['presence'] as PresenceState[]).map((p) => [p.userId, p]));
    };
    await until(async () => [...(await subscribe()).values()].every((p) => p.online), 30_000, 'everyone online before the fault');

    let restartedAt = 0;
    let rebuilt: Promise<number> = Promise.resolve(NaN);
    const { result, figures, traffic } = await underTraffic('s5b', async () => {
      await redis.kill('SIGKILL');
      // Three users leave while Redis is away: their disconnects cannot be recorded.
      leaving.forEach((c) => c.close());
      await sleep(1000);
      await redis.up();
      restartedAt = Date.now();
      rebuilt = until(
        async () => {
          const p = await subscribe();
          return staying.every((c) => p.get(c.userId)?.online === true) && leaving.every((c) => p.get(c.userId)?.online === false);
        },
        60_000,
        'presence rebuilt',
      ).then(() => Date.now() - restartedAt);
    });
    const presenceRebuiltMs = await rebuilt;
    const final = await subscribe();
    await fs.supervisor.waitReady(60_000);
    reportScenario({
      scenario: '5b-redis-restart',
      injected: 'SIGKILL redis-server, back empty after 1 s; 3 users disconnect meanwhile',
      ...figures,
      presenceRebuiltWithinMs: presenceRebuiltMs,
      presenceTtlMs: 20_000,
      stuckOnline: leaving.filter((c) => final.get(c.userId)?.online).length,
    });
    expectClean(result, traffic.total);
    expect(presenceRebuiltMs).toBeLessThanOrEqual(20_000);
    expect(fs.pids()).toEqual(pidsAtStart);
  });

  it('5c. PostgreSQL restarted mid-traffic (immediate shutdown, several times): the pools recover without restarting the apps', async () => {
    const pg = fs.postgres as NonNullable<typeof fs.postgres>;
    // Several crashes in a row: each one catches connections in the middle of transactions.
    const rounds = pick(3, 10);
    const { result, figures, traffic } = await underTraffic('s5c', async () => {
      for (let i = 0; i < rounds; i++) {
        await pg.restart(1000, 'immediate');
        if (i < rounds - 1) await sleep(1500);
      }
    }, pick(250, 1200));
    await fs.supervisor.waitReady(60_000);
    // Every service with a database answers again: auth (register), message-store (history), push (devices).
    const [u] = await fs.users(1, 's5c');
    const chats = await http(fs.gatewayUrls[1], 'GET', '/v1/chats', { token: u.token });
    const device = await http(fs.gatewayUrls[0], 'POST', '/v1/devices', { token: u.token, body: { token: `tok-${u.user.id}`, platform: 'android' } });
    reportScenario({ scenario: '5c-postgres-restart', injected: `pg_ctl stop -m immediate, start after 1 s; ${rounds} times, 1.5 s apart`, ...figures, restarts: fs.restarts() });
    expectClean(result, traffic.total);
    expect([chats.status, device.status]).toEqual([200, 201]);
    expect(fs.pids()).toEqual(pidsAtStart);
  });
});
