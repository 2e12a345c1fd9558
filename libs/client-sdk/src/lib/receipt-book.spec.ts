import type { ChatMember } from '@parley/contracts/client';
import { ReceiptBook } from './receipt-book';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';
const T2 = '2026-01-01T00:02:00.000Z';
const member = (userId: string, joinedAt = T0): ChatMember => ({ userId, role: 'member', joinedAt });

describe('ReceiptBook', () => {
  it("direct chat: sent -> delivered -> read as the other member's watermarks move", () => {
    const book = new ReceiptBook('me');
    book.setMembers('c', [member('me'), member('bob')]);
    expect(book.trackOwn('c', 1, 'm1', T1).status).toBe('sent');
    book.trackOwn('c', 2, 'm2', T1);

    const d = book.applyReceipt('c', 'bob', 'delivered', 1);
    expect(d.map((c) => [c.seq, c.status])).toEqual([[1, 'delivered']]);
    expect(book.statusOf('c', 2)?.status).toBe('sent');

    const r = book.applyReceipt('c', 'bob', 'read', 2);
    expect(r.map((c) => [c.seq, c.status, c.clientMsgId])).toEqual([
      [1, 'read', 'm1'],
      [2, 'read', 'm2'],
    ]);
    // a lower watermark changes nothing
    expect(book.applyReceipt('c', 'bob', 'delivered', 1)).toEqual([]);
    expect(book.statusOf('c', 2)?.status).toBe('read');
  });

  it('group: delivered to all / read by all, with counts', () => {
    const book = new ReceiptBook('me');
    book.setMembers('g', [member('me'), member('a'), member('b')]);
    book.trackOwn('g', 3, 'x', T1);
    expect(book.applyReceipt('g', 'a', 'read', 3)).toEqual([
      { chatId: 'g', seq: 3, clientMsgId: 'x', status: 'sent', deliveredCount: 1, readCount: 1, recipientCount: 2 },
    ]);
    expect(book.applyReceipt('g', 'b', 'delivered', 5)[0]).toMatchObject({
      status: 'delivered',
      deliveredCount: 2,
      readCount: 1,
    });
    expect(book.applyReceipt('g', 'b', 'read', 3)[0]).toMatchObject({ status: 'read', readCount: 2 });
  });

  it('a member who joined after the message is not waited for; one who left no longer counts', () => {
    const book = new ReceiptBook('me');
    book.setMembers('g', [member('me'), member('a'), member('late', T2)]);
    book.trackOwn('g', 1, 'x', T1);
    expect(book.applyReceipt('g', 'a', 'read', 1)[0]).toMatchObject({ status: 'read', recipientCount: 1 });

    book.setMembers('g', [member('me'), member('a'), member('b')]);
    expect(book.statusOf('g', 1)).toMatchObject({ status: 'sent', recipientCount: 2 });
    const changes = book.setMembers('g', [member('me'), member('a')]);
    expect(changes.map((c) => c.status)).toEqual(['read']);
  });

  it('receipts known before the members count once the members are known', () => {
    const book = new ReceiptBook('me');
    book.trackOwn('c', 1, 'x', T1);
    book.applyReceipt('c', 'bob', 'delivered', 1);
    expect(book.statusOf('c', 1)?.status).toBe('sent');
    expect(book.hasMembers('c')).toBe(false);
    expect(book.setMembers('c', [member('me'), member('bob')])[0].status).toBe('delivered');
  });

  it('seeds watermarks from GET .../receipts for a seq and everything below it', () => {
    const book = new ReceiptBook('me');
    book.setMembers('c', [member('me'), member('a'), member('b')]);
    [1, 2, 4].forEach((s) => book.trackOwn('c', s, `m${s}`, T1));
    const changes = book.applyMessageReceipts('c', 2, [
      { userId: 'a', deliveredAt: T1, readAt: T1 },
      { userId: 'b', deliveredAt: T1, readAt: null },
    ]);
    expect(changes.map((c) => [c.seq, c.status])).toEqual([
      [1, 'delivered'],
      [2, 'delivered'],
    ]);
    expect(book.statusOf('c', 4)?.status).toBe('sent');
    expect(book.unsettled('c')).toEqual([1, 2, 4]);
  });

  it('tracking the same seq twice keeps one entry', () => {
    const book = new ReceiptBook('me');
    book.setMembers('c', [member('me'), member('bob')]);
    book.trackOwn('c', 2, 'x', T1);
    book.trackOwn('c', 2, 'x', T1);
    book.trackOwn('c', 1, 'y', T1);
    expect(book.unsettled('c')).toEqual([1, 2]);
  });
});
