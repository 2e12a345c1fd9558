import { AppendBatchLimits, jsonBytes, type MessageAppendRequest } from '@parley/contracts';
import { MicroBatcher } from '@parley/shared/util-batching';
import { APPEND_BATCH_LIMITS } from './append-batcher';

/** The requests a turn of waiters becomes under APPEND_BATCH_LIMITS. */
function splitByLimits<W extends { item: MessageAppendRequest }>(waiters: W[]): W[][] {
  const parts: W[][] = [];
  const batcher = new MicroBatcher<W>((part) => void parts.push(part), APPEND_BATCH_LIMITS);
  for (const w of waiters) batcher.add(w);
  batcher.flush();
  return parts;
}

const item = (chat: number, body = 'hi'): { item: MessageAppendRequest } => ({
  item: { chatId: `chat-${chat}`, senderId: 'u', clientMsgId: `c${Math.random()}`, body },
});

describe('APPEND_BATCH_LIMITS', () => {
  it('keeps a turn of sends to a few chats in one request, in order', () => {
    const ws = [item(1), item(2), item(1), item(3)];
    expect(splitByLimits(ws)).toEqual([ws]);
  });

  it('starts a new request at the item limit', () => {
    const ws = Array.from({ length: AppendBatchLimits.maxItems + 1 }, () => item(1));
    expect(splitByLimits(ws).map((p) => p.length)).toEqual([AppendBatchLimits.maxItems, 1]);
  });

  it('names at most maxChats chats per request (member lists travel once per chat)', () => {
    const ws = Array.from({ length: AppendBatchLimits.maxChats * 2 + 1 }, (_, i) => item(i));
    const parts = splitByLimits(ws);
    expect(parts.map((p) => p.length)).toEqual([AppendBatchLimits.maxChats, AppendBatchLimits.maxChats, 1]);
    expect(parts.flat()).toEqual(ws);
    // A chat already in the request does not count again.
    const same = [...Array.from({ length: AppendBatchLimits.maxChats }, (_, i) => item(i)), item(0), item(1)];
    expect(splitByLimits(same).map((p) => p.length)).toEqual([AppendBatchLimits.maxChats + 2]);
  });

  it('bounds the bytes of bodies per request, and never leaves an item out', () => {
    const big = 'x'.repeat(16 * 1024);
    const ws = Array.from({ length: 40 }, () => item(1, big));
    const parts = splitByLimits(ws);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts)
      expect(p.reduce((n, w) => n + Buffer.byteLength(w.item.body), 0)).toBeLessThanOrEqual(
        AppendBatchLimits.maxBodyBytes,
      );
    expect(parts.flat()).toEqual(ws);
    // An item bigger than the bound alone still goes (alone).
    expect(splitByLimits([item(1, 'y'.repeat(AppendBatchLimits.maxBodyBytes + 1))]).length).toBe(1);
  });

  it('counts bodies as JSON carries them: a burst of 4,096 x U+0001 (6 bytes each on the wire) stays under the bound', () => {
    const heavy = '\u0001'.repeat(4096);
    const ws = Array.from({ length: 90 }, () => item(1, heavy));
    const parts = splitByLimits(ws);
    for (const p of parts)
      expect(p.reduce((n, w) => n + jsonBytes(w.item.body), 0)).toBeLessThanOrEqual(AppendBatchLimits.maxBodyBytes);
    expect(parts.length).toBeGreaterThanOrEqual(Math.ceil((90 * jsonBytes(heavy)) / AppendBatchLimits.maxBodyBytes));
    expect(parts.flat()).toEqual(ws);
  });
});
