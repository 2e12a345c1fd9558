import { randomUUID } from 'node:crypto';
import { PresenceArrivedV1, PresenceChangedV1, PresenceLocateV1, type Delivery, type Message } from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { JSONCodec } from 'nats';
import type { GatewayConfig } from '../config/gateway.config';
import type { ConnectionRegistry } from '../connections/connection-registry';
import { testMessage } from '../testing/test-message';
import { FanOutService } from './fan-out.service';
import type { LocalDelivery } from './local-delivery';
import type { LocationCacheMetrics } from './location-cache.metrics';

const url = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const codec = JSONCodec<unknown>();

/** FanOutService against real NATS, with a stand-in presence service answering locate. */
describe('FanOutService (real NATS)', () => {
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const [here, there, offline, localOnly] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  let bus: NatsBus;
  let fanOut: FanOutService;
  const locates: string[][] = [];
  const local: Delivery[] = [];
  const remote: Delivery[] = [];

  beforeAll(async () => {
    bus = await NatsBus.connect({ url, name: 'fan-out-test', requestTimeoutMs: 2000, subjectPrefix: prefix });
    bus.connection.subscribe(`${prefix}${PresenceLocateV1.subject}`, {
      callback: (_err, msg) => {
        const packet = codec.decode(msg.data) as { id: string; data: { userIds: string[] } };
        locates.push(packet.data.userIds);
        const locations: Record<string, string[]> = {};
        for (const id of packet.data.userIds) {
          if (id === here) locations[id] = ['gw-1'];
          if (id === there) locations[id] = ['gw-2', 'gw-1'];
        }
        msg.respond(codec.encode({ id: packet.id, response: { locations }, isDisposed: true }));
      },
    });
    bus.connection.subscribe(`${prefix}gateway.gw-2.deliver.v1`, {
      callback: (_err, msg) => remote.push((codec.decode(msg.data) as { data: Delivery }).data),
    });
    await bus.flush();
    const config = {
      instanceId: 'gw-1',
      nats: { subjectPrefix: prefix, requestTimeoutMs: 2000, url },
      presence: { locationCache: { maxEntries: 1000, ttlMs: 60_000 } },
    } as unknown as GatewayConfig;
    // A socket that connected here a moment ago, presence has not heard of yet.
    const registry = { connectionCount: (id: string) => (id === localOnly ? 1 : 0) } as unknown as ConnectionRegistry;
    fanOut = new FanOutService(
      bus,
      { deliver: (d: Delivery) => local.push(d) } as unknown as LocalDelivery,
      registry,
      config,
      { lookups: { inc: () => undefined }, entries: { set: () => undefined } } as unknown as LocationCacheMetrics,
    );
    fanOut.onApplicationBootstrap();
    await bus.flush();
  });
  afterAll(async () => {
    fanOut?.onModuleDestroy();
    await bus?.drain();
  });

  const message = (seq: number): Message => testMessage(randomUUID(), seq, { senderId: here });

  it('serves local sockets at once, routes the rest with ONE presence lookup per event-loop turn', async () => {
    const users = [here, there, offline, localOnly];
    const answers = await Promise.all(
      [1, 2, 3].map((seq) => fanOut.route(users, { kind: 'message', message: message(seq) })),
    );
    // Every route answered the same offline user (localOnly is connected here).
    expect(answers).toEqual([[offline], [offline], [offline]]);
    // One lookup for the three routes, with each user once.
    expect(locates).toHaveLength(1);
    expect([...locates[0]].sort()).toEqual([...users].sort());
    // Local delivery first, for all members (LocalDelivery skips those with no socket here).
    expect(local.map((d) => d.userIds)).toEqual([users, users, users]);
    // gw-2 gets its user; nothing is sent to this instance's own subject.
    await bus.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect(remote.map((d) => d.userIds)).toEqual([[there], [there], [there]]);
  });

  it('routes from its location cache with no lookup, kept right by presence.arrived.v1 and presence.changed.v1', async () => {
    const before = { locates: locates.length, remote: remote.length };
    // All four were located by the test above: no presence lookup now.
    expect(await fanOut.route([here, there, offline], { kind: 'message', message: message(4) })).toEqual([offline]);
    expect(locates).toHaveLength(before.locates);

    // The offline user connects on gw-2 (its gateway announces it): routed there at once, no lookup.
    bus.publish(PresenceArrivedV1, { userId: offline, instanceId: 'gw-2' });
    await bus.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect(await fanOut.route([there, offline], { kind: 'message', message: message(5) })).toEqual([]);
    expect(locates).toHaveLength(before.locates);

    // `there` goes offline: the next message asks presence about it again.
    bus.publish(PresenceChangedV1, { userId: there, online: false, lastSeenAt: new Date().toISOString() });
    await bus.flush();
    await new Promise((r) => setTimeout(r, 100));
    await fanOut.route([there, offline], { kind: 'message', message: message(6) });
    expect(locates.slice(before.locates)).toEqual([[there]]);
    await bus.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect(remote.slice(before.remote).map((d) => [...d.userIds].sort())).toEqual([
      [there],
      [offline, there].sort(),
      [offline, there].sort(),
    ]);
  });
});
