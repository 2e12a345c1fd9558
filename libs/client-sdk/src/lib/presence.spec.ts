import type { PresenceState } from '@parley/contracts/client';
import { ParleyClientError } from './errors';
import { PresenceHub } from './presence';

describe('PresenceHub.resubscribe', () => {
  it('drops the users who no longer share a chat with a few halving requests, not one per user', async () => {
    const ids = Array.from({ length: 64 }, (_, i) => `u${i}`);
    const strangers = new Set(['u5', 'u40']);
    const asked: string[][] = [];
    const request = async <T extends object>(_event: string, payload: unknown): Promise<T> => {
      const { userIds } = payload as { userIds: string[] };
      asked.push(userIds);
      if (userIds.some((id) => strangers.has(id)))
        throw new ParleyClientError('forbidden', 'you share no chat with some of these users');
      return { presence: userIds.map((userId): PresenceState => ({ userId, online: false, lastSeenAt: null })) } as T;
    };
    const hub = new PresenceHub(request, () => undefined, 1000);
    await hub.subscribe(ids, false);
    await hub.resubscribe();
    // Everyone but the two strangers is subscribed again, in far fewer requests than 64.
    expect(asked.length).toBeLessThanOrEqual(2 * 2 * Math.log2(64) + 1);
    asked.length = 0;
    await hub.resubscribe();
    expect(asked).toEqual([ids.filter((id) => !strangers.has(id))]);
  });

  it('stops at the first refusal that is not forbidden (rate limited, offline): the next connect retries', async () => {
    let calls = 0;
    const request = async <T extends object>(): Promise<T> => {
      calls++;
      throw new ParleyClientError('rate_limited', 'slow down');
    };
    const hub = new PresenceHub(request, () => undefined, 1000);
    await hub.subscribe(
      Array.from({ length: 2000 }, (_, i) => `u${i}`),
      false,
    );
    await hub.resubscribe();
    expect(calls).toBe(1);
  });
});
