import { check, expectNoLoss, waitForDeliveries, type ChatUnderTest } from './support/checker';
import type { FaultClient, SendingClient } from './support/fault-client';
import { FaultStack, reportScenario, until } from './support/fault-stack';
import { GrpcFaultClient } from './support/grpc-fault-client';
import { recovery, SERVED_AGAIN_WITHIN_MS } from './support/recovery';
import { Traffic, type TrafficLane } from './support/traffic';

/**
 * Issue 18: the gRPC edge under a gateway kill. Two gateways; gRPC clients (reconnecting to any
 * gateway with `parley-since`) and Socket.IO clients share the same chats (two groups of 4, four
 * 1:1 chats, each with members of both kinds) under steady traffic from both; gateway 1 is
 * killed with SIGKILL. Every client of it must be connected to the other gateway within 10 s,
 * every writer served again within 10 s, and nothing acknowledged lost or duplicated
 * (PostgreSQL and every recipient, gRPC and Socket.IO alike).
 */
describe('faults: gRPC and Socket.IO clients across a gateway kill', () => {
  let fs: FaultStack;
  const grpcClients: GrpcFaultClient[] = [];
  const socketClients: FaultClient[] = [];

  beforeAll(async () => {
    fs = await FaultStack.start({ label: 'grpc-failover', gateways: 2 });
  }, 240_000);
  afterAll(async () => {
    for (const c of [...grpcClients, ...socketClients]) c.close();
    await fs?.stop();
  });

  it('G1. gateway 1 killed (SIGKILL): its gRPC and Socket.IO clients are on gateway 2 within 10 s, nothing lost', async () => {
    const tag = 'g1';
    const users = await fs.users(16, tag);
    const addresses = fs.stack.gatewayGrpcAddresses;
    // Even users on gRPC, odd ones on Socket.IO; each kind spread over both gateways.
    for (let i = 0; i < users.length; i += 2) grpcClients.push(new GrpcFaultClient(users[i], addresses, i / 2));
    await Promise.all(grpcClients.map((c) => c.connect()));
    socketClients.push(
      ...(await fs.clients(
        users.filter((_, i) => i % 2 === 1),
        { ackDelivered: true, autoReconnect: true },
        1,
      )),
    );
    const clientOf = (i: number): SendingClient => (i % 2 === 0 ? grpcClients[i / 2] : socketClients[(i - 1) / 2]);
    const chats: ChatUnderTest[] = [];
    const lanes: TrafficLane<SendingClient>[] = [];
    for (let g = 0; g < 2; g++) {
      const members = users.slice(g * 4, g * 4 + 4);
      const chat = await fs.group(members[0], members, `${tag} group ${g}`);
      chats.push({ chatId: chat.id, memberIds: members.map((m) => m.user.id) });
      // One gRPC and one Socket.IO writer per group.
      lanes.push({ client: clientOf(g * 4), chatId: chat.id }, { client: clientOf(g * 4 + 1), chatId: chat.id });
    }
    for (let d = 0; d < 4; d++) {
      const [a, b] = [8 + 2 * d, 9 + 2 * d]; // a gRPC user and a Socket.IO user
      const chat = await fs.direct(users[a], users[b]);
      chats.push({ chatId: chat.id, memberIds: [users[a].user.id, users[b].user.id] });
      lanes.push({ client: clientOf(d % 2 === 0 ? a : b), chatId: chat.id });
    }
    const all = [...grpcClients, ...socketClients];

    const traffic = new Traffic(lanes, { perLane: 100, window: 2, pacingMs: 60, tag: `${tag}-${Date.now()}` }).start();
    await traffic.untilAcked(150);
    const inFlight = traffic.log.inFlight;
    const [name] = fs.stack.gatewayNames();
    const grpcOnIt = grpcClients.filter((c) => c.connected && c.currentAddress === addresses[0]);
    const socketsOnIt = socketClients.filter((c) => c.connected && c.currentUrl === fs.gatewayUrls[0]);
    const faultAt = Date.now();
    await fs.supervisor.kill(name);
    const again = (c: { connected: boolean; connectedAt: number[] }) =>
      c.connected && c.connectedAt.some((t) => t >= faultAt);
    await until(
      () => [...grpcOnIt, ...socketsOnIt].every(again),
      SERVED_AGAIN_WITHIN_MS,
      `the ${grpcOnIt.length} gRPC and ${socketsOnIt.length} Socket.IO clients of ${name} connected again`,
    );
    const reconnectMs = (cs: { connectedAt: number[] }[]) =>
      cs.map((c) => (c.connectedAt.find((t) => t >= faultAt) ?? NaN) - faultAt).sort((x, y) => x - y);
    const grpcReconnectMs = reconnectMs(grpcOnIt);
    const socketReconnectMs = reconnectMs(socketsOnIt);
    await fs.supervisor.waitReady(30_000, [name]);
    const backAt = Date.now();
    await traffic.finished();
    const delivery = await waitForDeliveries(fs.databaseUrl, chats, all);
    const result = await check(fs.databaseUrl, chats, traffic.log, all);
    const rec = recovery(traffic.log, faultAt);
    reportScenario({
      scenario: 'G1-gateway-kill-grpc',
      injected: `SIGKILL ${name} (gRPC + Socket.IO clients), restarted by the supervisor`,
      messagesInFlight: inFlight,
      ...result,
      timeToRecoverMs: rec.maxMs,
      affectedClients: rec.affectedClients,
      longestSendMs: rec.longestSendMs,
      grpcReconnectMs,
      socketReconnectMs,
      outageMs: backAt - faultAt,
      timeToAllDeliveredMs: delivery.completeAt - backAt,
      clientsRepairedByReconnect: delivery.reconnected,
    });

    expectNoLoss(result, traffic.total);
    expect({ clientsRepairedByReconnect: delivery.reconnected }).toEqual({ clientsRepairedByReconnect: 0 });
    expect(rec.maxMs).toBeLessThanOrEqual(SERVED_AGAIN_WITHIN_MS);
    // Both kinds were on the killed gateway and came back: the gRPC ones resuming with parley-since.
    expect([grpcReconnectMs.length > 0, socketReconnectMs.length > 0]).toEqual([true, true]);
    expect(Math.max(...grpcReconnectMs, ...socketReconnectMs)).toBeLessThanOrEqual(SERVED_AGAIN_WITHIN_MS);
    for (const c of grpcOnIt) expect(c.sinceSent[c.sinceSent.length - 1]).toBeGreaterThan(0);
    expect(all.every((c) => c.connected)).toBe(true);
  });
});
