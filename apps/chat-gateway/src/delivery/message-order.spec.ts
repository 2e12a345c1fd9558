import type { Message } from '@parley/contracts';
import { testMessage } from '../testing/test-message';
import { MessageOrder, type MessageOrderDeps } from './message-order';

const chatId = '11111111-1111-4111-8111-111111111111';
const other = '22222222-2222-4222-8222-222222222222';
const msg = (seq: number, chat = chatId): Message => testMessage(chat, seq);

function setup(store: Message[] = [], extra: Partial<MessageOrderDeps> = {}) {
  const emitted: Message[] = [];
  const updated: Message[] = [];
  const fetches: [number, number][] = [];
  const order = new MessageOrder({
    emit: (m) => emitted.push(m),
    emitUpdated: (m) => updated.push(m),
    fetchAfter: async (chat, after, limit) => {
      fetches.push([after, limit]);
      return store.filter((m) => m.chatId === chat && m.seq > after).slice(0, limit);
    },
    gapFillDelayMs: 5,
    onError: (err) => {
      throw err;
    },
    ...extra,
  });
  return { order, emitted, updated, fetches, seqs: () => emitted.map((m) => m.seq) };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('MessageOrder', () => {
  it('sends a change of a message already sent as message:updated, and swaps in one not sent yet', () => {
    const { order, emitted, updated } = setup();
    order.setCursor(chatId, 1);
    order.offer(msg(1));
    const edited = (seq: number) => ({ ...msg(seq), body: `edited ${seq}`, editedAt: new Date(1).toISOString() });
    order.updated(edited(1));
    expect(updated).toEqual([edited(1)]);
    // Seq 3 waits for 2: its change replaces the waiting copy.
    order.offer(msg(3));
    order.updated(edited(3));
    // Seq 2's change overtook seq 2 itself: the newer version goes out when it comes.
    order.updated(edited(2));
    order.offer(msg(2));
    expect(emitted).toEqual([msg(1), edited(2), edited(3)]);
    expect(updated).toEqual([edited(1)]);
  });

  it('swaps a change into a message held during the replay', () => {
    const { order, emitted, updated } = setup();
    order.setCursor(chatId, 1);
    order.startReplay();
    order.offer(msg(1));
    order.updated({ ...msg(1), deleted: true, body: '' });
    order.finishReplay();
    expect(emitted).toEqual([{ ...msg(1), deleted: true, body: '' }]);
    expect(updated).toEqual([]);
  });

  it('emits in order and drops duplicates', () => {
    const { order, seqs } = setup();
    order.setCursor(chatId, 1);
    for (const s of [1, 2, 2, 3, 1]) order.offer(msg(s));
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('holds an early message until the gap closes', () => {
    const { order, seqs } = setup();
    order.setCursor(chatId, 5);
    order.offer(msg(7));
    order.offer(msg(6));
    expect(seqs()).toEqual([]);
    order.offer(msg(5));
    expect(seqs()).toEqual([5, 6, 7]);
  });

  it('fills a gap that does not close from the store', async () => {
    const store = [1, 2, 3, 4].map((s) => msg(s));
    const { order, seqs, fetches } = setup(store);
    order.setCursor(chatId, 1);
    order.offer(msg(1));
    order.offer(msg(4));
    await tick();
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(fetches[0]).toEqual([1, 2]);
  });

  it('holds live messages during replay, then drops what the replay already sent', () => {
    const { order, seqs } = setup();
    order.startReplay();
    order.setCursor(chatId, 3);
    order.offer(msg(5));
    order.offer(msg(4));
    order.replayed(msg(3));
    order.replayed(msg(4));
    expect(seqs()).toEqual([3, 4]);
    order.finishReplay();
    expect(seqs()).toEqual([3, 4, 5]);
  });

  it("never emits the connection's own message, even when it arrives out of order", () => {
    const { order, seqs } = setup();
    order.setCursor(chatId, 1);
    order.markOwn(chatId, 2);
    order.offer(msg(2));
    order.offer(msg(1));
    order.offer(msg(3));
    expect(seqs()).toEqual([1, 3]);
  });

  it('keeps chats independent; an unknown chat waits for its chat:new to say where it starts', () => {
    const { order, emitted } = setup();
    order.setCursor(chatId, 1);
    order.offer(msg(10, other));
    order.offer(msg(1));
    order.offer(msg(11, other));
    expect(emitted.map((m) => `${m.chatId === chatId ? 'a' : 'b'}${m.seq}`)).toEqual(['a1']);
    order.setCursor(other, 10); // chat:new, slower than the chat's first messages
    expect(emitted.map((m) => `${m.chatId === chatId ? 'a' : 'b'}${m.seq}`)).toEqual(['a1', 'b10', 'b11']);
  });

  it('skips ahead when the store cannot fill a gap, instead of stalling, and says what it skipped', async () => {
    const skipped: [string, number, number][] = [];
    const { order, seqs } = setup([], { onSkipped: (chat, from, to) => skipped.push([chat, from, to]) });
    order.setCursor(chatId, 1);
    order.offer(msg(3));
    // Its retries back off (5 ms doubling): wait for them, however late a loaded machine fires timers.
    for (const started = Date.now(); seqs().length === 0 && Date.now() - started < 10_000;) await tick(20);
    expect(seqs()).toEqual([3]);
    expect(skipped).toEqual([[chatId, 1, 2]]);
  });

  it('emits nothing after dispose', () => {
    const { order, seqs } = setup();
    order.setCursor(chatId, 1);
    order.dispose();
    order.offer(msg(1));
    expect(seqs()).toEqual([]);
  });
});
