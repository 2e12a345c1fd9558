import { jsonBytes, type Message, type MessageAppendReply } from '@parley/contracts';
import { fitAppendBatchReply } from './append.service';

const message = (chatId: string, seq: number, body: string): Message => ({
  id: `m-${chatId}-${seq}`,
  chatId,
  seq,
  senderId: 's',
  clientMsgId: `c${seq}`,
  body,
  createdAt: '2026-12-05T00:00:00.000Z',
  replyToSeq: null,
  editedAt: null,
  deleted: false,
  reactions: [],
});
const stored = (chatId: string, seq: number, body: string, members = 2): { ok: true; reply: MessageAppendReply } => ({
  ok: true,
  reply: {
    message: message(chatId, seq, body),
    created: true,
    memberIds: Array.from({ length: members }, (_, i) => `user-${String(i).padStart(30, '0')}`),
    mutedMemberIds: [],
  },
});

describe('fitAppendBatchReply', () => {
  it("answers every item and every chat's members once when they fit", () => {
    const reply = fitAppendBatchReply(
      [stored('a', 1, 'x'), stored('a', 2, 'y'), { ok: false, error: { code: 'forbidden', message: 'no' } }],
      10_000,
    );
    expect(reply.results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(Object.keys(reply.members)).toEqual(['a']);
    expect(reply.members['a'].memberIds).toHaveLength(2);
  });

  it('stays within the budget: items past it answer unavailable (they are stored: a resend gets them)', () => {
    const big = '\u0001'.repeat(4096); // 24 KiB of JSON
    const outcomes = Array.from({ length: 100 }, (_, i) => stored(`chat-${i % 3}`, i + 1, big));
    const budget = 300 * 1024;
    const reply = fitAppendBatchReply(outcomes, budget);
    expect(jsonBytes(reply)).toBeLessThanOrEqual(budget);
    const ok = reply.results.filter((r) => r.ok).length;
    expect(ok).toBeGreaterThan(5);
    expect(ok).toBeLessThan(100);
    expect(reply.results.slice(ok).every((r) => !r.ok && r.error.code === 'unavailable')).toBe(true);
  });

  it('leaves out member lists that do not fit; the items still answer ok', () => {
    const outcomes = [stored('small', 1, 'x'), stored('huge', 1, 'y', 1024), stored('huge', 2, 'z', 1024)];
    const budget = 20 * 1024; // under one 1,024-member list (~40 KiB)
    const reply = fitAppendBatchReply(outcomes, budget);
    expect(reply.results.every((r) => r.ok)).toBe(true);
    expect(Object.keys(reply.members)).toEqual(['small']);
    expect(jsonBytes(reply)).toBeLessThanOrEqual(budget);
  });
});
