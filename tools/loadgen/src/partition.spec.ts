import { partition, type PartitionOptions, type Placement } from './partition';
import { buildTopology } from './population';

const options = (users: number, gatewayUrls: string[], placement: Placement = 'user'): PartitionOptions => ({
  population: {
    users: Array.from({ length: users }, (_, i) => ({ id: `u${i}`, username: `user${i}`, token: `t${i}` })),
    chats: buildTopology({ users, groups: 0, groupSize: 0 }).map((c, i) => ({ ...c, id: `c${i}` })),
  },
  workers: 2,
  socketsPerWorker: 9000,
  sourceAddresses: 1,
  gatewayUrls,
  grpcAddresses: [],
  senders: 'all',
  placement,
});

/** Each chat's members' gateway URLs, over all workers. */
const chatGateways = (o: PartitionOptions) =>
  partition(o).flatMap((p) => p.chats.map((c) => c.members.map((m) => p.users[m].gatewayUrl)));

describe('partition', () => {
  // The bench's scale-out phase relies on it: every 1:1 message crosses from one gateway to the other.
  it('puts the two members of every 1:1 pair on different gateways when there are two', () => {
    const pairs = chatGateways(options(20, ['http://g1', 'http://g2']));
    expect(pairs).toHaveLength(10);
    for (const [a, b] of pairs) expect(new Set([a, b])).toEqual(new Set(['http://g1', 'http://g2']));
  });

  // ...and its second ramp on this: no 1:1 message crosses gateways, and both gateways carry chats.
  it('puts both members of every pair on one gateway with placement chat, chats spread over both', () => {
    const pairs = chatGateways(options(20, ['http://g1', 'http://g2'], 'chat'));
    expect(pairs).toHaveLength(10);
    for (const [a, b] of pairs) expect(a).toBe(b);
    const perGateway = pairs.reduce((n, [a]) => n.set(a, (n.get(a) ?? 0) + 1), new Map<string, number>());
    expect(perGateway).toEqual(
      new Map([
        ['http://g1', 5],
        ['http://g2', 5],
      ]),
    );
  });

  it('gives the gRPC address of the chat as well, and users in no chat their own round-robin', () => {
    const o = { ...options(5, ['http://g1', 'http://g2'], 'chat'), grpcAddresses: ['h:1', 'h:2'] };
    const users = partition(o).flatMap((p) => p.users);
    const byId = new Map(users.map((u) => [u.id, [u.gatewayUrl, u.grpcAddress]]));
    // Pairs (u0,u1) and (u2,u3) are chats 0 and 1; u4 is in none.
    expect([...byId.entries()].sort()).toEqual([
      ['u0', ['http://g1', 'h:1']],
      ['u1', ['http://g1', 'h:1']],
      ['u2', ['http://g2', 'h:2']],
      ['u3', ['http://g2', 'h:2']],
      ['u4', ['http://g1', 'h:1']],
    ]);
  });
});
