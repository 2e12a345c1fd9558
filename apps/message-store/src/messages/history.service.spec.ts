import type { Message } from '@parley/contracts';
import { parseHistoryRequest, trimToBudget } from './history.service';

const chatId = '4f8a1c1e-8f4e-4a57-9a3e-0d3c8f1b2a10';
const userId = '0b6f5a2e-3c1d-4e8f-9a7b-6c5d4e3f2a1b';

const message = (seq: number, body = 'x'): Message => ({
  id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  chatId,
  seq,
  senderId: userId,
  clientMsgId: `c${seq}`,
  body,
  createdAt: '2026-11-29T12:00:00.000Z',
  replyToSeq: null,
  editedAt: null,
  deleted: false,
  reactions: [],
});

describe('parseHistoryRequest', () => {
  it('defaults the limit to 50 and lower-cases ids', () => {
    expect(parseHistoryRequest({ chatId: chatId.toUpperCase(), userId })).toEqual({
      chatId,
      userId,
      query: { limit: 50, before: undefined, after: undefined },
    });
  });

  it.each([
    [{ limit: 0 }],
    [{ limit: 101 }],
    [{ limit: '10' }],
    [{ before: 0 }],
    [{ after: -1 }],
    [{ after: 1.5 }],
    [{ before: 3, after: 1 }],
    [{ chatId: 'nope' }],
  ])('rejects %j as invalid', (extra) => {
    expect(() => parseHistoryRequest({ chatId, userId, limit: 10, ...extra })).toThrow(
      expect.objectContaining({ code: 'invalid' }),
    );
  });

  it('accepts before >= 1 and after >= 0', () => {
    expect(parseHistoryRequest({ chatId, userId, limit: 1, before: 1 }).query).toEqual({
      limit: 1,
      before: 1,
      after: undefined,
    });
    expect(parseHistoryRequest({ chatId, userId, limit: 100, after: 0 }).query).toEqual({
      limit: 100,
      before: undefined,
      after: 0,
    });
  });
});

describe('trimToBudget', () => {
  const page = { messages: [1, 2, 3, 4].map((s) => message(s, 'y'.repeat(1000))), hasMore: false };
  const size = Buffer.byteLength(JSON.stringify(page.messages[0]));

  it('leaves a page within budget untouched', () => {
    expect(trimToBudget(page, true, size * 4)).toBe(page);
  });

  it('keeps the newest for latest/before pages and the oldest for after pages, saying hasMore', () => {
    expect(trimToBudget(page, true, size * 2 + 10)).toEqual({ messages: page.messages.slice(2), hasMore: true });
    expect(trimToBudget(page, false, size * 2 + 10)).toEqual({ messages: page.messages.slice(0, 2), hasMore: true });
  });

  it('always keeps one message, so paging can go on', () => {
    expect(trimToBudget(page, true, 1).messages.map((m) => m.seq)).toEqual([4]);
  });
});
