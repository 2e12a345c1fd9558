import { readFileSync } from 'node:fs';
import { natsInboxPrefix, sessionRevocationsStreamName } from '@parley/contracts';
import { natsPasswordFile } from '@parley/shared/util-nats';
import { connect } from 'nats';
import { check, expectNoLoss, waitForDeliveries, type ChatUnderTest } from './support/checker';
import type { FaultClient } from './support/fault-client';
import { FaultStack, reportScenario, sleep, until } from './support/fault-stack';
import { recovery, SERVED_AGAIN_WITHIN_MS, servedAgainMs, slow, type Attempt } from './support/recovery';
import type { PrivateNatsCluster } from './support/infra';
import { Traffic, type TrafficLane } from './support/traffic';

/** How long the killed NATS node stays down: the cluster runs on two nodes meanwhile. */
const NATS_NODE_DOWN_MS = 3000;

/**
 * Issue 15 item 4: an HA topology under steady 1:1 and group traffic. A three-node NATS
 * cluster (routes, JetStream on each node, the revocation stream on 3 replicas), two gateways,
 * two message-stores, two presence replicas, auth and push-notifier; every app is given the
 * whole server list. One NATS node, one gateway, one message-store and one presence replica
 * are killed with SIGKILL in turn, each then restarted. Nothing acknowledged may be lost or
 * duplicated (PostgreSQL and every recipient), every client is served again within 10 s, and
 * no app logs a fatal line (the TestStack guard; supervisor.kill() declares the kill itself).
 */
describe('faults: HA topology (3-node NATS cluster, two of each app)', () => {
  let fs: FaultStack;
  let cluster: PrivateNatsCluster;
  const clients: FaultClient[] = [];

  beforeAll(async () => {
    fs = await FaultStack.start({
      label: 'faults-ha',
      privateInfra: { natsCluster: 3 },
      gateways: 2,
      replicas: { presence: 2, 'message-store': 2 },
      env: {
        NATS_STREAM_REPLICAS: '3',
        PRESENCE_HEARTBEAT_MS: '5000',
        PRESENCE_TTL_SECONDS: '20',
        // H4 probes presence 10 times a second per client.
        RATE_LIMIT_PRESENCE_SUBSCRIBE_PER_SECOND: '1000',
        RATE_LIMIT_PRESENCE_SUBSCRIBE_BURST: '10000',
      },
    });
    cluster = fs.natsCluster as PrivateNatsCluster;
  }, 240_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await fs?.stop();
  });

  /** A NATS connection as auth (which may read the revocation stream's info). */
  async function asAuth() {
    const pass = readFileSync(natsPasswordFile(cluster.passwordDir, 'auth'), 'utf8').trim();
    return connect({
      servers: cluster.nodes.map((n) => n.url),
      user: 'auth',
      pass,
      inboxPrefix: natsInboxPrefix('auth'),
    });
  }

  /** The revocation stream's replicas and the node that leads it. */
  async function revocationStream(): Promise<{ replicas: number; leader: string; current: number }> {
    const nc = await asAuth();
    try {
      const info = await (
        await nc.jetstreamManager()
      ).streams.info(sessionRevocationsStreamName(fs.stack.env['NATS_SUBJECT_PREFIX']));
      const peers = info.cluster?.replicas ?? [];
      return {
        replicas: info.config.num_replicas,
        leader: info.cluster?.leader ?? '',
        current: 1 + peers.filter((p) => p.current).length,
      };
    } finally {
      await nc.close();
    }
  }

  /** Two groups of 4 and four 1:1 chats, members spread over both gateways; two writers per group, one per 1:1 chat. */
  async function setup(tag: string) {
    const users = await fs.users(16, tag);
    const cs = await fs.clients(users);
    clients.push(...cs);
    const chats: ChatUnderTest[] = [];
    const lanes: TrafficLane[] = [];
    for (let g = 0; g < 2; g++) {
      const members = users.slice(g * 4, g * 4 + 4);
      const chat = await fs.group(members[0], members, `${tag} group ${g}`);
      chats.push({ chatId: chat.id, memberIds: members.map((m) => m.user.id) });
      lanes.push({ client: cs[g * 4], chatId: chat.id }, { client: cs[g * 4 + 1], chatId: chat.id });
    }
    for (let d = 0; d < 4; d++) {
      const [a, b] = [8 + 2 * d, 9 + 2 * d];
      const chat = await fs.direct(users[a], users[b]);
      chats.push({ chatId: chat.id, memberIds: [users[a].user.id, users[b].user.id] });
      lanes.push({ client: cs[a], chatId: chat.id });
    }
    return { chats, clients: cs, lanes };
  }

  /** ~8 s of traffic from 8 writers (2 in flight each), the kill ~1.5 s in. */
  async function underTraffic(tag: string, inject: (cs: FaultClient[]) => Promise<void>) {
    const { chats, clients: cs, lanes } = await setup(tag);
    const traffic = new Traffic(lanes, { perLane: 100, window: 2, pacingMs: 60, tag: `${tag}-${Date.now()}` }).start();
    await traffic.untilAcked(150);
    const inFlight = traffic.log.inFlight;
    const faultAt = Date.now();
    await inject(cs);
    const backAt = Date.now();
    await traffic.finished();
    const delivery = await waitForDeliveries(fs.databaseUrl, chats, cs);
    const result = await check(fs.databaseUrl, chats, traffic.log, cs);
    const rec = recovery(traffic.log, faultAt);
    const sendFailures: Record<string, number> = {};
    for (const r of traffic.log.records.values())
      for (const f of r.failures) sendFailures[f] = (sendFailures[f] ?? 0) + 1;
    /** After the scenario's report: its figures are printed even when it fails. */
    const expectClean = () => {
      expectNoLoss(result, traffic.total);
      expect({ clientsRepairedByReconnect: delivery.reconnected }).toEqual({ clientsRepairedByReconnect: 0 });
      expect(rec.maxMs).toBeLessThanOrEqual(SERVED_AGAIN_WITHIN_MS);
    };
    return {
      expectClean,
      clients: cs,
      figures: {
        messagesInFlight: inFlight,
        ...result,
        timeToRecoverMs: rec.maxMs,
        affectedClients: rec.affectedClients,
        recoveryByClientMs: rec.byClientMs,
        longestSendMs: rec.longestSendMs,
        outageMs: backAt - faultAt,
        timeToAllDeliveredMs: delivery.completeAt - backAt,
        clientsRepairedByReconnect: delivery.reconnected,
        sendFailures,
      },
    };
  }

  it('the cluster runs the revocation stream on 3 replicas, all current', async () => {
    const stream = await revocationStream();
    expect(stream).toMatchObject({ replicas: 3, current: 3 });
    expect(stream.leader).toMatch(/^n[123]$/);
  });

  it('H1. the NATS node holding the most gateway connections killed (SIGKILL) and restarted: apps move to the other nodes, nothing lost', async () => {
    let killed = { node: '', streamLeader: false, connections: [] as string[] };
    const { figures, expectClean } = await underTraffic('h1', async () => {
      // The node whose death touches the most: gateway connections first (the clients' path), then any.
      const held = await Promise.all(cluster.nodes.map((n) => n.connectionNames()));
      const score = (names: string[]) => names.filter((n) => n.startsWith('chat-gateway')).length * 100 + names.length;
      const i = held.reduce((best, names, j) => (score(names) > score(held[best]) ? j : best), 0);
      const node = cluster.nodes[i];
      killed = {
        node: node.name,
        streamLeader: (await revocationStream()).leader === node.name,
        connections: held[i].sort(),
      };
      await node.kill('SIGKILL');
      await sleep(NATS_NODE_DOWN_MS);
      await node.up();
    });
    await fs.supervisor.waitReady(30_000);
    // The stream has a leader again, and its restarted replica catches up. Until then a JetStream
    // API request may time out (no leader yet): that is waiting, not a failure.
    let after = { replicas: 0, leader: '', current: 0 };
    await until(
      async () => {
        after = await revocationStream().catch(() => after);
        return after.current === 3;
      },
      30_000,
      'the revocation stream has 3 current replicas again',
    );
    reportScenario({
      scenario: 'H1-nats-node-kill',
      injected: `SIGKILL one of 3 nats-servers (${killed.connections.length} app connections on it), back after ${NATS_NODE_DOWN_MS / 1000} s`,
      ...figures,
      killedNode: killed,
      streamAfter: after,
    });
    expectClean();
    expect(after).toMatchObject({ replicas: 3, current: 3 });
  });

  it('H2. a gateway killed (SIGKILL): its clients reconnect to the other within 10 s, nothing lost', async () => {
    const [name] = fs.stack.gatewayNames();
    const killedUrl = fs.gatewayUrls[0];
    let reconnectMs: number[] = [];
    const {
      figures,
      expectClean,
      clients: cs,
    } = await underTraffic('h2', async (cs) => {
      const onIt = cs.filter((c) => c.connected && c.currentUrl === killedUrl);
      const at = Date.now();
      await fs.supervisor.kill(name);
      const reconnected = () => onIt.every((c) => c.connected && c.connectedAt.some((t) => t >= at));
      await until(reconnected, SERVED_AGAIN_WITHIN_MS, `the ${onIt.length} clients of ${name} connected again`);
      reconnectMs = onIt.map((c) => (c.connectedAt.find((t) => t >= at) ?? NaN) - at).sort((a, b) => a - b);
      await fs.supervisor.waitReady(30_000, [name]);
    });
    reportScenario({
      scenario: 'H2-gateway-kill',
      injected: `SIGKILL ${name}, restarted by the supervisor`,
      ...figures,
      reconnectMs,
    });
    expectClean();
    expect(reconnectMs.length).toBeGreaterThan(0);
    expect(Math.max(...reconnectMs)).toBeLessThanOrEqual(SERVED_AGAIN_WITHIN_MS);
    expect(cs.every((c) => c.connected)).toBe(true);
  });

  it('H3. a message-store replica killed (SIGKILL): the other takes its requests, nothing lost or duplicated', async () => {
    const [name] = fs.stack.appNames('message-store');
    const { figures, expectClean } = await underTraffic('h3', async () => {
      await fs.supervisor.kill(name);
      await fs.supervisor.waitReady(30_000, [name]);
    });
    reportScenario({
      scenario: 'H3-message-store-kill',
      injected: `SIGKILL ${name}, restarted by the supervisor`,
      ...figures,
    });
    expectClean();
  });

  it('H4. a presence replica killed (SIGKILL): presence answers from the other, delivery unaffected', async () => {
    const [name] = fs.stack.appNames('presence');
    const presence: (Attempt & { code: string })[] = [];
    let killedAt = 0;
    let probing = true;
    const { figures, expectClean } = await underTraffic('h4', async (cs) => {
      // Presence requests all along the kill, from a client on each gateway, about the members of their group.
      const ids = cs.slice(0, 4).map((c) => c.userId);
      const probe = async (c: FaultClient) => {
        while (probing) {
          const startedAt = Date.now();
          const ack = await c
            .emitAck('presence:subscribe', { userIds: ids }, 10_000)
            .catch((err: Error) => ({ ok: false, error: { code: err.message, message: '' } }));
          presence.push({
            startedAt,
            endedAt: Date.now(),
            ok: ack.ok,
            code: ack.ok ? 'ok' : (ack.error?.code ?? 'unknown'),
          });
          await sleep(100);
        }
      };
      const probes = [probe(cs[0]), probe(cs[1])];
      await sleep(300);
      killedAt = Date.now();
      await fs.supervisor.kill(name);
      await fs.supervisor.waitReady(30_000, [name]);
      await sleep(1000);
      probing = false;
      await Promise.all(probes);
    });
    const failed = presence.filter((p) => !p.ok || slow(p));
    const presenceRecoveryMs = servedAgainMs(presence, killedAt) ?? 0;
    reportScenario({
      scenario: 'H4-presence-kill',
      injected: `SIGKILL ${name}, restarted by the supervisor`,
      ...figures,
      presenceRequests: presence.length,
      presenceFailedOrSlow: failed.length,
      presenceAnswers: presence.reduce<Record<string, number>>(
        (n, p) => ({ ...n, [p.code]: (n[p.code] ?? 0) + 1 }),
        {},
      ),
      slowestPresenceMs: Math.max(...presence.map((p) => p.endedAt - p.startedAt)),
      presenceRecoveryMs,
    });
    expectClean();
    expect(presence.length).toBeGreaterThan(10);
    expect(presenceRecoveryMs).toBeLessThanOrEqual(SERVED_AGAIN_WITHIN_MS);
  });
});
