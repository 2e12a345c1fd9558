import { buildTopology } from './population';

describe('buildTopology', () => {
  it('puts K groups of G first, then pairs the rest 1:1', () => {
    const chats = buildTopology({ users: 9, groups: 1, groupSize: 4 });
    expect(chats).toEqual([
      { type: 'group', members: [0, 1, 2, 3] },
      { type: 'direct', members: [4, 5] },
      { type: 'direct', members: [6, 7] },
    ]);
  });

  it('refuses groups docs/protocol.md does not allow, or more members than users', () => {
    expect(() => buildTopology({ users: 2000, groups: 1, groupSize: 1025 })).toThrow(/1024/);
    expect(() => buildTopology({ users: 10, groups: 3, groupSize: 4 })).toThrow(/need 12 users/);
  });
});
