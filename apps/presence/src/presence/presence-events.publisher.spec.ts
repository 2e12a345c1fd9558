import { Logger } from '@nestjs/common';
import { PresenceChangedV1 } from '@parley/contracts';
import type { NatsBus } from '@parley/shared/util-nats';
import { PresenceEventsPublisher } from './presence-events.publisher';

describe('PresenceEventsPublisher', () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('publishes PresenceChangedV1 per user and counts transitions', () => {
    const publish = jest.fn();
    const counted: [boolean, number][] = [];
    const events = new PresenceEventsPublisher({ publish } as unknown as NatsBus, (online, n) =>
      counted.push([online, n]),
    );
    events.online(['a', 'b']);
    events.offline(['c'], Date.UTC(2026, 4, 6, 7, 8, 9, 10));
    events.offline([], 0);
    expect(publish.mock.calls).toEqual([
      [PresenceChangedV1, { userId: 'a', online: true, lastSeenAt: null }],
      [PresenceChangedV1, { userId: 'b', online: true, lastSeenAt: null }],
      [PresenceChangedV1, { userId: 'c', online: false, lastSeenAt: '2026-05-06T07:08:09.010Z' }],
    ]);
    expect(counted).toEqual([
      [true, 2],
      [false, 1],
    ]);
  });

  it('keeps going when the connection is closed', () => {
    const publish = jest.fn(() => {
      throw new Error('connection closed');
    });
    const counted: [boolean, number][] = [];
    const events = new PresenceEventsPublisher({ publish } as unknown as NatsBus, (online, n) =>
      counted.push([online, n]),
    );
    expect(() => events.online(['a', 'b'])).not.toThrow();
    expect(publish).toHaveBeenCalledTimes(2);
    expect(counted).toEqual([[true, 0]]);
  });
});
