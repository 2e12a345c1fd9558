import type { Message } from '@parley/contracts';
import { registerUser, TestSocket, TestStack, type TestUser } from '@parley/shared/testing';
import { createChat, send } from './support';

/**
 * The fan-out's location cache (docs/scaling.md, "The location cache") on the Redis Cluster,
 * over two gateways. Heads-digest repair is off in this stack, so a message reaches a socket
 * only by its live delivery (or a replay at connect): a stale cache entry would lose it here.
 */
describe('location cache: a user who just connected elsewhere gets messages live (two gateways, Redis Cluster)', () => {
  let stack: TestStack;
  let gw1: string;
  let gw2: string;
  const sockets: TestSocket[] = [];
  const connect = async (url: string, user: TestUser) => {
    const s = await TestSocket.connect(url, user.token);
    sockets.push(s);
    return s;
  };
  /** gw1's location cache lookups, by result. */
  const lookups = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const count = (result: string) =>
      Number(
        new RegExp(`^parley_gateway_location_cache_lookups_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'm').exec(
          text,
        )?.[1] ?? 0,
      );
    return { hit: count('hit'), miss: count('miss') };
  };

  beforeAll(async () => {
    stack = await TestStack.start({
      label: 'location-cache',
      gateways: 2,
      redisCluster: true,
      env: { GATEWAY_TEST_DISABLE_HEADS_REPAIR: '1', LOCATION_CACHE_TTL_MS: '60000' },
    });
    [gw1, gw2] = stack.gatewayUrls;
  }, 180_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await stack?.stop();
  });

  it('an offline user cached as offline, who then connects on the other gateway, gets the next message live', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    // gw1 learns bob is offline, then serves the next message from its cache.
    await send(a, chat.id, 'while bob is away');
    const before = await lookups(gw1);
    const m1 = await send(a, chat.id, 'also while away');
    const after = await lookups(gw1);
    expect(after.hit).toBeGreaterThan(before.hit);
    expect(after.miss).toBe(before.miss);

    // bob comes online on gw2 (presence.changed.v1 drops gw1's entry) and is replayed what he missed.
    const b = await connect(gw2, bob);
    await b.waitFor<Message>('message:new', (m) => m.id === m1.id);
    const m2 = await send(a, chat.id, 'bob is here now');
    expect(await b.waitFor<Message>('message:new', (m) => m.id === m2.id)).toMatchObject({ body: 'bob is here now' });
  });

  it('a user online on this gateway who connects a second device on the other gets the next message there, from the cache', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(gw1, alice);
    const b1 = await connect(gw1, bob);
    const chat = await createChat(gw1, alice, { type: 'direct', memberIds: [bob.user.id] });
    const m1 = await send(a, chat.id, 'to bob on gw1');
    await b1.waitFor<Message>('message:new', (m) => m.id === m1.id);

    // bob's second device on gw2: presence.arrived.v1 adds gw2 to gw1's cached location.
    const b2 = await connect(gw2, bob);
    const before = await lookups(gw1);
    const m2 = await send(a, chat.id, 'to both devices');
    const after = await lookups(gw1);
    expect(after.miss).toBe(before.miss); // routed from the cache alone
    expect(after.hit).toBeGreaterThan(before.hit);
    expect(await b2.waitFor<Message>('message:new', (m) => m.id === m2.id)).toMatchObject({ body: 'to both devices' });
    await b1.waitFor<Message>('message:new', (m) => m.id === m2.id);
  });
});
