import type { ChatMember, MessageReceipt } from '@parley/contracts/client';
import { ReceiptBook } from './receipt-book';
import { seedStatuses } from './status-seeder';

const T = '2026-01-01T00:00:00.000Z';
const members: ChatMember[] = ['me', 'a', 'b'].map((userId) => ({ userId, role: 'member', joinedAt: T }));

/** A fake server with true watermarks; answers receipts like the gateway does. */
function server(marks: Record<string, { delivered: number; read: number }>) {
  const calls: number[] = [];
  const fetch = async (_chatId: string, seq: number): Promise<MessageReceipt[]> => {
    calls.push(seq);
    return Object.entries(marks).map(([userId, m]) => ({
      userId,
      deliveredAt: m.delivered >= seq ? T : null,
      readAt: m.read >= seq ? T : null,
    }));
  };
  return { fetch, calls };
}

describe('seedStatuses', () => {
  it('finds exact statuses of every own message with a logarithmic number of requests', async () => {
    const book = new ReceiptBook('me');
    book.setMembers('c', members);
    const seqs = Array.from({ length: 40 }, (_, i) => i * 2 + 1); // 1, 3, ..., 79
    seqs.forEach((s) => book.trackOwn('c', s, `m${s}`, T));
    const srv = server({ a: { delivered: 70, read: 50 }, b: { delivered: 60, read: 30 } });
    const changes: number[] = [];
    await seedStatuses(book, 'c', srv.fetch, (cs) => changes.push(...cs.map((c) => c.seq)));

    for (const s of seqs) {
      const expected = s <= 30 ? 'read' : s <= 60 ? 'delivered' : 'sent';
      expect([s, book.statusOf('c', s)?.status]).toEqual([s, expected]);
    }
    expect(srv.calls.length).toBeLessThanOrEqual(12);
    // every message that left `sent` was reported; nothing above a's delivered watermark changed
    for (const s of seqs.filter((x) => x <= 60)) expect(changes).toContain(s);
    expect(changes.every((s) => s <= 70)).toBe(true);
  });

  it('a single request when the newest own message is read by all', async () => {
    const book = new ReceiptBook('me');
    book.setMembers('c', members);
    [1, 2, 3].forEach((s) => book.trackOwn('c', s, `m${s}`, T));
    const srv = server({ a: { delivered: 9, read: 9 }, b: { delivered: 9, read: 9 } });
    await seedStatuses(book, 'c', srv.fetch, () => undefined);
    expect(book.unsettled('c')).toEqual([]);
    expect(srv.calls).toEqual([3]);
    // nothing left to ask
    await seedStatuses(book, 'c', srv.fetch, () => undefined);
    expect(srv.calls).toEqual([3]);
  });
});
