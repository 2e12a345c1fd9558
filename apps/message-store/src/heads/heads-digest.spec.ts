import { HeadsLimits, type ChatHeadsDigest } from '@parley/contracts';
import { HeadsDigest } from './heads-digest';

const chat = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const user = (i: number) => `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function collect(digest: HeadsDigest): ChatHeadsDigest[] {
  const parts: ChatHeadsDigest[] = [];
  digest.tick((p) => parts.push(p));
  return parts;
}

describe('HeadsDigest', () => {
  it('publishes the highest seq per chat and the joins, numbered from 1', () => {
    const d = new HeadsDigest(1000);
    d.appended(chat(1), 3);
    d.appended(chat(1), 5);
    d.appended(chat(1), 4); // a duplicate found again by its idempotency key
    d.appended(chat(2), 1);
    d.joined(chat(2), [user(1), user(2)], 0);
    const [part, ...more] = collect(d);
    expect(more).toEqual([]);
    expect(part).toEqual({
      publisherId: d.publisherId,
      digestSeq: 1,
      intervalMs: 1000,
      heads: [
        [chat(1), 5],
        [chat(2), 1],
      ],
      joins: [{ chatId: chat(2), fromSeq: 0, userIds: [user(1), user(2)] }],
    });
  });

  it('repeats a tick in the next one (one lost digest is covered), then forgets it', () => {
    const d = new HeadsDigest(1000);
    d.appended(chat(1), 1);
    d.joined(chat(1), [user(1)], 0);
    collect(d);
    d.appended(chat(1), 2);
    d.appended(chat(2), 7);
    const second = collect(d);
    expect(second.map((p) => p.digestSeq)).toEqual([2]);
    expect(second[0].heads).toEqual([
      [chat(1), 2],
      [chat(2), 7],
    ]);
    expect(second[0].joins).toEqual([{ chatId: chat(1), fromSeq: 0, userIds: [user(1)] }]);
    const third = collect(d);
    expect(third[0].heads).toEqual([
      [chat(1), 2],
      [chat(2), 7],
    ]);
    expect(third[0].joins).toEqual([]);
    expect(collect(d)[0]).toMatchObject({ digestSeq: 4, heads: [], joins: [] }); // a heartbeat
  });

  it('splits a busy tick into parts under the byte budget, numbered without gaps, losing nothing', () => {
    const d = new HeadsDigest(1000);
    const chats = 20_000;
    for (let i = 0; i < chats; i++) d.appended(chat(i), i + 1);
    for (let g = 0; g < 40; g++)
      d.joined(
        chat(g),
        Array.from({ length: 1024 }, (_, i) => user(g * 1024 + i)),
        0,
      );
    const parts = collect(d);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.digestSeq)).toEqual(parts.map((_, i) => i + 1));
    for (const p of parts)
      expect(Buffer.byteLength(JSON.stringify({ pattern: 'chat.heads.digest.v1', data: p }))).toBeLessThanOrEqual(
        HeadsLimits.digestMaxBytes,
      );
    expect(parts.flatMap((p) => p.heads)).toHaveLength(chats);
    expect(parts.flatMap((p) => p.joins).flatMap((j) => j.userIds)).toHaveLength(40 * 1024);
  });
});
