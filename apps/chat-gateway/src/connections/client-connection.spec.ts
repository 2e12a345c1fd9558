import type { EventPage, Message } from '@parley/contracts';
import { testMessage } from '../testing/test-message';
import { ClientConnection } from './client-connection';
import type { ConnectionTransport } from './connection-transport';

const chatId = '11111111-1111-4111-8111-111111111111';
const msg = (seq: number): Message => testMessage(chatId, seq);

/** A connection on a recording transport: v1 when `since` is undefined, else on the event stream. */
function connect(since?: number) {
  const emitted: unknown[][] = [];
  const transport = {
    id: 'sock-1',
    connected: true,
    emit: (...args: unknown[]) => emitted.push(args),
  } as unknown as ConnectionTransport;
  const eventFetches: number[] = [];
  const claims = { userId: 'u', username: 'u', sessionId: 's', expiresAt: 0, issuedAt: 0 };
  const conn = new ClientConnection(
    transport,
    claims,
    { fetchAfter: async () => [], gapFillDelayMs: 5, onError: () => undefined },
    since === undefined
      ? undefined
      : {
          since,
          deps: {
            fetchAfter: async (_userId, after): Promise<EventPage> => {
              eventFetches.push(after);
              return { events: [], hasMore: false };
            },
            gapFillDelayMs: 5,
            onError: () => undefined,
          },
        },
  );
  return { conn, emitted, eventFetches };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('ClientConnection: its own sends and changes', () => {
  it('v1: an own message is skipped by the per-chat order, the next one goes out', () => {
    const { conn, emitted } = connect();
    conn.order.setCursor(chatId, 1);
    conn.markOwnMessage(chatId, 1);
    conn.offerMessage(msg(1), undefined);
    conn.offerMessage(msg(2), undefined);
    expect(emitted).toEqual([['message:new', msg(2)]]);
    conn.dispose();
  });

  it('v1: an own message of a chat not followed yet starts the chat after it', () => {
    const { conn } = connect();
    conn.markOwnMessage(chatId, 7);
    expect(conn.order.nextSeq(chatId)).toBe(8);
    conn.dispose();
  });

  it("v1: a live message and its update carry this user's eventSeq when it is known", () => {
    const { conn, emitted } = connect();
    conn.order.setCursor(chatId, 1);
    conn.offerMessage(msg(1), 5);
    conn.offerMessage(msg(2), undefined);
    const edited = { ...msg(1), body: 'edited' };
    conn.offerUpdate(edited, 6);
    expect(emitted).toEqual([
      ['message:new', msg(1), { eventSeq: 5 }],
      ['message:new', msg(2)],
      ['message:updated', edited, { eventSeq: 6 }],
    ]);
    conn.dispose();
  });

  it('v1: own eventSeqs and probes are no-ops (no event stream)', () => {
    const { conn, emitted } = connect();
    conn.markOwnEvent(1);
    conn.probeEvents();
    expect(conn.events).toBeUndefined();
    expect(emitted).toEqual([]);
    conn.dispose();
  });

  it('since: an own message leaves the per-chat order alone (the heads repair must not follow the chat)', () => {
    const { conn } = connect(0);
    conn.markOwnMessage(chatId, 7);
    expect(conn.order.nextSeq(chatId)).toBeUndefined();
    expect(conn.order.knows(chatId)).toBe(false);
    conn.dispose();
  });

  it('since: an own eventSeq is skipped by the event stream, the next event goes out', () => {
    const { conn, emitted } = connect(0);
    conn.markOwnEvent(1);
    expect(conn.events?.lastEventSeq).toBe(1);
    conn.events?.offer({ eventSeq: 1, type: 'message:new', payload: msg(1) });
    conn.events?.offer({ eventSeq: 2, type: 'message:new', payload: msg(2) });
    expect(emitted).toEqual([['message:new', msg(2), { eventSeq: 2 }]]);
    conn.dispose();
  });

  it('since: a probe reads the store after the last eventSeq it has', async () => {
    const { conn, eventFetches } = connect(4);
    conn.probeEvents();
    await tick();
    expect(eventFetches).toEqual([4]);
    conn.dispose();
  });
});
