import type { OutboxEntry } from '@parley/client-sdk';
import type { Message } from '@parley/contracts/client';
import { testMessage } from '../testing/test-message';
import { buildRows, mergeMessages } from './conversation';

const m = (seq: number, senderId = 'me', createdAt = '2026-01-01T10:00:00.000Z'): Message =>
  testMessage({ id: `id${seq}`, chatId: 'c', seq, senderId, body: `b${seq}`, createdAt });
const out = (clientMsgId: string, createdAt = '2026-01-02T08:00:00.000Z'): OutboxEntry => ({
  chatId: 'c',
  clientMsgId,
  body: clientMsgId,
  createdAt,
});

describe('conversation', () => {
  it('merges pages, live messages and acks by seq, once each', () => {
    const merged = mergeMessages([m(3), m(4)], [m(1), m(2), m(3)]);
    expect(merged.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
    const same = [m(1)];
    expect(mergeMessages(same, [])).toBe(same);
  });

  it('rows: stored messages with statuses, then the outbox (pending) and refused ones, with day separators', () => {
    const rows = buildRows(
      [m(1, 'bob'), m(2)],
      [out('c2'), out('waiting')], // c2 was stored meanwhile: shown once, as the stored message
      [{ entry: out('refused'), error: 'forbidden' }],
      'me',
      (x) => (x.seq === 2 ? 'read' : 'sent'),
      (iso) => iso.slice(0, 10),
    );
    expect(
      rows.map((r) =>
        r.kind === 'day'
          ? `day ${r.label}`
          : r.kind === 'message'
            ? `msg ${r.message.seq} ${r.status}`
            : `${r.status} ${r.entry.clientMsgId}`,
      ),
    ).toEqual(['day 2026-01-01', 'msg 1 null', 'msg 2 read', 'day 2026-01-02', 'pending waiting', 'failed refused']);
  });
});
