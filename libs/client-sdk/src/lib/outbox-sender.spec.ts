import type { Message } from '@parley/contracts/client';
import { ParleyClientError } from './errors';
import { Outbox, type OutboxEntry } from './outbox';
import { OutboxSender, type OutboxSenderDeps } from './outbox-sender';
import { MemoryStorage } from './storage';

const entry = (id: string): OutboxEntry => ({
  chatId: 'c',
  clientMsgId: id,
  body: `b${id}`,
  createdAt: '2026-01-01T00:00:00.000Z',
});

/** A fake gateway that stores each (chatId, clientMsgId) once, like message-store. */
function fakeServer() {
  const stored = new Map<string, Message>();
  let failNext: ParleyClientError | null = null;
  const calls: string[] = [];
  const request = async <T extends object>(_event: string, payload: unknown): Promise<T> => {
    const p = payload as { chatId: string; clientMsgId: string; body: string };
    calls.push(p.clientMsgId);
    if (failNext) {
      const e = failNext;
      failNext = null;
      throw e;
    }
    let m = stored.get(p.clientMsgId);
    if (!m) {
      m = {
        id: `id${stored.size + 1}`,
        chatId: p.chatId,
        seq: stored.size + 1,
        senderId: 'me',
        clientMsgId: p.clientMsgId,
        body: p.body,
        createdAt: '',
        replyToSeq: null,
        editedAt: null,
        deleted: false,
        reactions: [],
      };
      stored.set(p.clientMsgId, m);
    }
    return { message: m } as T;
  };
  return { request, stored, calls, fail: (e: ParleyClientError) => (failNext = e) };
}

/** An empty outbox and a sender to the fake server: connected, callbacks silent, unless `deps` says otherwise. */
function setup(deps: Partial<OutboxSenderDeps> = {}) {
  const outbox = new Outbox(new MemoryStorage(), 'k');
  const srv = fakeServer();
  const sender = new OutboxSender({
    outbox: () => outbox,
    request: srv.request,
    connected: () => true,
    ackTimeoutMs: 1000,
    onStored: () => undefined,
    onFailed: () => undefined,
    ...deps,
  });
  return { outbox, srv, sender };
}

async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('OutboxSender', () => {
  it('sends in order once connected and empties the outbox', async () => {
    let connected = false;
    const stored: number[] = [];
    const { outbox, srv, sender } = setup({
      connected: () => connected,
      onStored: (_e, m) => stored.push(m.seq),
    });
    await outbox.add(entry('a'));
    await outbox.add(entry('b'));
    sender.kick();
    await settle();
    expect(srv.calls).toEqual([]); // offline: nothing sent, nothing lost
    connected = true;
    sender.kick();
    await settle();
    expect(srv.calls).toEqual(['a', 'b']);
    expect(stored).toEqual([1, 2]);
    expect(outbox.entries()).toEqual([]);
  });

  it('a lost ack is retried with the same clientMsgId and stored once', async () => {
    const stored: string[] = [];
    const { outbox, srv, sender } = setup({ onStored: (e, m) => stored.push(`${e.clientMsgId}:${m.seq}`) });
    await outbox.add(entry('a'));
    srv.fail(new ParleyClientError('network', 'disconnected'));
    sender.kick();
    await settle();
    expect(outbox.entries().map((e) => e.clientMsgId)).toEqual(['a']);
    sender.kick(); // the reconnect
    await settle();
    expect(srv.calls).toEqual(['a', 'a']);
    expect(stored).toEqual(['a:1']);
    expect(srv.stored.size).toBe(1);
  });

  it('a refused message is dropped with the error and the next one goes', async () => {
    const failed: string[] = [];
    const { outbox, srv, sender } = setup({ onFailed: (e, err) => failed.push(`${e.clientMsgId}:${err.code}`) });
    await outbox.add(entry('a'));
    await outbox.add(entry('b'));
    srv.fail(new ParleyClientError('forbidden', 'not a member'));
    sender.kick();
    await settle();
    expect(failed).toEqual(['a:forbidden']);
    expect(srv.calls).toEqual(['a', 'b']);
    expect(outbox.entries()).toEqual([]);
  });

  it('unavailable backs off and retries by itself, keeping the order', async () => {
    jest.useFakeTimers();
    try {
      const { outbox, srv, sender } = setup();
      await outbox.add(entry('a'));
      await outbox.add(entry('b'));
      srv.fail(new ParleyClientError('unavailable', 'store down'));
      sender.kick();
      await jest.advanceTimersByTimeAsync(0);
      expect(srv.calls).toEqual(['a']);
      await jest.advanceTimersByTimeAsync(1000);
      expect(srv.calls).toEqual(['a', 'a', 'b']);
      expect(outbox.entries()).toEqual([]);
      sender.dispose();
    } finally {
      jest.useRealTimers();
    }
  });
});
