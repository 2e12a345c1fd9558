import { partition, type PartitionOptions } from './partition';
import { buildTopology } from './population';

const options = (users: number, gatewayUrls: string[]): PartitionOptions => ({
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
});

describe('partition', () => {
  // The bench's scale-out phase relies on it: every 1:1 message crosses from one gateway to the other.
  it('puts the two members of every 1:1 pair on different gateways when there are two', () => {
    const parts = partition(options(20, ['http://g1', 'http://g2']));
    const pairs = parts.flatMap((p) => p.chats.map((c) => c.members.map((m) => p.users[m].gatewayUrl)));
    expect(pairs).toHaveLength(10);
    for (const [a, b] of pairs) expect(new Set([a, b])).toEqual(new Set(['http://g1', 'http://g2']));
  });
});
