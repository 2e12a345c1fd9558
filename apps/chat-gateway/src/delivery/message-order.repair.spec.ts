import { ParleyError, type Message } from '@parley/contracts';
import { ChatHolders } from './chat-holders';
import { testMessage } from '../testing/test-message';
import { MessageOrder, type MessageOrderDeps } from './message-order';

const chatId = '11111111-1111-4111-8111-111111111111';
const other = '22222222-2222-4222-8222-222222222222';
const msg = (seq: number, chat = chatId): Message => testMessage(chat, seq);

function setup(store: Message[] = [], fail?: ParleyError, fetchLimiter?: MessageOrderDeps['fetchLimiter']) {
  const emitted: Message[] = [];
  const fetches: [string, number, number][] = [];
  const gone: string[] = [];
  const holders = new ChatHolders();
  const order = new MessageOrder({
    emit: (m) => emitted.push(m),
    emitUpdated: () => undefined,
    fetchAfter: async (chat, after, limit) => {
      fetches.push([chat, after, limit]);
      if (fail) throw fail;
      return store.filter((m) => m.chatId === chat && m.seq > after).slice(0, limit);
    },
    gapFillDelayMs: 5,
    headGraceMs: 10,
    anchorWaitMs: 100,
    holders,
    fetchLimiter,
    onChatGone: (chat) => gone.push(chat),
    onError: (err) => {
      throw err;
    },
  });
  return { order, emitted, fetches, gone, holders, seqs: () => emitted.map((m) => m.seq) };
}

const tick = (ms = 60) => new Promise((r) => setTimeout(r, ms));

describe('MessageOrder: live-delivery repair (noteHead)', () => {
  it('fetches what the store has beyond the cursor when no live message shows the gap', async () => {
    const store = [1, 2, 3, 4].map((s) => msg(s));
    const { order, seqs, fetches } = setup(store);
    order.setCursor(chatId, 2);
    order.offer(msg(2));
    order.noteHead(chatId, 4); // 3 and 4 were lost between gateways: nothing live follows
    expect(seqs()).toEqual([2]);
    await tick();
    expect(seqs()).toEqual([2, 3, 4]);
    expect(fetches).toEqual([[chatId, 2, 2]]);
  });

  it('does nothing for a connection that is up to date, or for a chat it does not follow', async () => {
    const { order, fetches } = setup([msg(1)]);
    order.setCursor(chatId, 2);
    order.noteHead(chatId, 1);
    order.noteHead(other, 9);
    await tick();
    expect(fetches).toEqual([]);
  });

  it('lets a live delivery that lands within the grace win, without a fetch', async () => {
    const { order, seqs, fetches } = setup([msg(1)]);
    order.setCursor(chatId, 1);
    order.noteHead(chatId, 1);
    order.offer(msg(1));
    await tick();
    expect(seqs()).toEqual([1]);
    expect(fetches).toEqual([]);
  });

  it('asks for nothing when live deliveries closed the gap while its fetch waited its turn', async () => {
    const store = [1, 2, 3, 4].map((s) => msg(s));
    let release = () => undefined as void;
    const queued = new Promise<void>((r) => (release = r));
    const { order, seqs, fetches } = setup(store, undefined, {
      run: async (work) => {
        await queued; // other connections' reads go first
        return work();
      },
    });
    order.setCursor(chatId, 2);
    order.offer(msg(2));
    order.noteHead(chatId, 4);
    await tick(); // the fill is queued now
    order.offer(msg(3));
    order.offer(msg(4));
    release();
    await tick();
    expect(seqs()).toEqual([2, 3, 4]);
    expect(fetches).toEqual([]);
  });

  it('pages a long gap 100 at a time until the head', async () => {
    const store = Array.from({ length: 250 }, (_, i) => msg(i + 1));
    const { order, seqs, fetches } = setup(store);
    order.setCursor(chatId, 1);
    order.noteHead(chatId, 250);
    await tick(400);
    expect(seqs()).toEqual(store.map((m) => m.seq));
    expect(fetches.map(([, after, limit]) => [after, limit])).toEqual([
      [0, 100],
      [100, 100],
      [200, 50],
    ]);
  });

  it('holds a head seen during the replay until the replay ends, then fills what it missed', async () => {
    const store = [1, 2, 3].map((s) => msg(s));
    const { order, seqs, fetches } = setup(store);
    order.startReplay();
    order.setCursor(chatId, 1);
    order.noteHead(chatId, 3);
    order.replayed(msg(1));
    await tick();
    expect(fetches).toEqual([]);
    order.finishReplay();
    await tick();
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('stops following a chat the store says it may not read, and says so', async () => {
    const { order, gone, holders } = setup([], new ParleyError('forbidden', 'not a member of this chat'));
    order.setCursor(chatId, 1);
    order.noteHead(chatId, 5);
    await tick();
    expect(gone).toEqual([chatId]);
    expect(order.nextSeq(chatId)).toBeUndefined();
    expect([...holders.holdersOf(chatId)]).toEqual([]);
  });

  it('starts a chat met without chat:new where a join says, filling what was lost before the first message met', async () => {
    const store = [1, 2, 3, 4].map((s) => msg(s, other));
    const { order, seqs } = setup(store);
    order.offer(msg(3, other)); // chat:new and seqs 1-2 were lost
    expect(order.knows(other)).toBe(false);
    expect(seqs()).toEqual([]);
    order.setCursor(other, 1); // the join in the heads digest: fromSeq 0
    expect(order.knows(other)).toBe(true);
    await tick();
    order.offer(msg(4, other));
    expect(seqs()).toEqual([1, 2, 3, 4]);
  });

  it('starts a chat met without chat:new at seq 1 at once, and at its first message met when nobody says otherwise', async () => {
    const { order, seqs } = setup();
    order.offer(msg(1, other));
    expect(seqs()).toEqual([1]);
    expect(order.knows(other)).toBe(false); // its chat:new is still owed
    order.offer(msg(5));
    order.offer(msg(6));
    expect(seqs()).toEqual([1]);
    await tick(150);
    expect(seqs()).toEqual([1, 5, 6]);
  });

  it('registers every followed chat with the holder index and releases them on forget and dispose', () => {
    const { order, holders } = setup();
    order.setCursor(chatId, 1);
    order.offer(msg(7, other)); // a chat joined after connect
    expect([...holders.holdersOf(chatId)]).toEqual([order]);
    expect([...holders.holdersOf(other)]).toEqual([order]);
    order.forget(chatId);
    expect(holders.chatCount).toBe(1);
    order.dispose();
    expect(holders.chatCount).toBe(0);
  });
});

describe('MessageOrder: a gap behind own sends only', () => {
  /** The gap-fill delay short, the head grace long: which of the two a gap waits is visible. */
  function orderWithGrace(store: Message[]) {
    const emitted: number[] = [];
    const fetches: number[] = [];
    const order = new MessageOrder({
      emit: (m) => emitted.push(m.seq),
      emitUpdated: () => undefined,
      fetchAfter: async (chat, after, limit) => {
        fetches.push(after);
        return store.filter((m) => m.chatId === chat && m.seq > after).slice(0, limit);
      },
      gapFillDelayMs: 5,
      headGraceMs: 300,
      onError: (err) => {
        throw err;
      },
    });
    return { order, emitted, fetches };
  }

  it("waits the head grace for other senders' messages still on their way from another gateway", async () => {
    const { order, emitted, fetches } = orderWithGrace([msg(1), msg(2)]);
    order.setCursor(chatId, 1);
    order.markOwn(chatId, 2); // the ack of its own seq 2 came before seq 1 from the other gateway
    await tick(60);
    expect(fetches).toEqual([]);
    order.offer(msg(1));
    await tick(400);
    expect(emitted).toEqual([1]);
    expect(fetches).toEqual([]);
  });

  it('still fetches after the head grace when that message never comes', async () => {
    const { order, emitted, fetches } = orderWithGrace([msg(1), msg(2)]);
    order.setCursor(chatId, 1);
    order.markOwn(chatId, 2);
    await tick(400);
    expect(fetches).toEqual([0]);
    expect(emitted).toEqual([1]);
  });

  it('fetches after the short gap-fill delay when a live message waits behind the gap', async () => {
    const { order, emitted, fetches } = orderWithGrace([msg(1), msg(2)]);
    order.setCursor(chatId, 1);
    order.offer(msg(2));
    await tick(60);
    expect(fetches).toEqual([0]);
    expect(emitted).toEqual([1, 2]);
  });
});
