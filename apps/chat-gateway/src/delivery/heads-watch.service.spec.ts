import { ChatGetV1, ChatHeadsRecoverV1, ParleyError, type ChatHeadsDigest, type Message } from '@parley/contracts';
import type { NatsBus } from '@parley/shared/util-nats';
import type { GatewayConfig } from '../config/gateway.config';
import type { ClientConnection } from '../connections/client-connection';
import { ConnectionRegistry } from '../connections/connection-registry';
import { testMessage } from '../testing/test-message';
import { HeadsWatch } from './heads-watch.service';
import { MessageOrder } from './message-order';
import type { RepairMetrics } from './repair.metrics';

const chatA = '11111111-1111-4111-8111-111111111111';
const chatB = '22222222-2222-4222-8222-222222222222';
const alice = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const bob = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const msg = (chatId: string, seq: number): Message => testMessage(chatId, seq, { senderId: bob });
const tick = (ms = 60) => new Promise((r) => setTimeout(r, ms));

function setup(store: Message[]) {
  const requests: { subject: string; payload: unknown }[] = [];
  let answer: (subject: string, payload: unknown) => unknown = () => ({});
  const bus = {
    subscribe: jest.fn(),
    watchStatus: jest.fn(),
    request: jest.fn(async (contract: { subject: string }, payload: unknown) => {
      requests.push({ subject: contract.subject, payload });
      const reply = answer(contract.subject, payload);
      if (reply instanceof Error) throw reply;
      return reply;
    }),
  } as unknown as NatsBus;
  const registry = new ConnectionRegistry();
  const counter = () => ({ inc: jest.fn() });
  const repairMetrics = {
    digests: counter(),
    behind: counter(),
    chatsAnnounced: counter(),
    recoveries: counter(),
    droppedForTest: counter(),
  };
  const watch = new HeadsWatch(
    bus,
    registry,
    { instanceId: 'gw-test' } as GatewayConfig,
    repairMetrics as unknown as RepairMetrics,
  );
  const connect = (userId: string) => {
    const emitted: [string, unknown][] = [];
    const order = new MessageOrder({
      emit: (m) => emitted.push(['message:new', m]),
      emitUpdated: (m) => emitted.push(['message:updated', m]),
      fetchAfter: async (chatId, after, limit) =>
        store.filter((m) => m.chatId === chatId && m.seq > after).slice(0, limit),
      gapFillDelayMs: 5,
      onError: () => undefined,
      ...watch.orderDeps,
      headGraceMs: 5,
    });
    const conn = {
      userId,
      order,
      connected: true,
      watching: new Set(),
      transport: { emit: (e: string, p: unknown) => emitted.push([e, p]) },
    } as unknown as ClientConnection;
    registry.add(conn);
    return {
      conn,
      order,
      emitted,
      seqs: () => emitted.filter(([e]) => e === 'message:new').map(([, m]) => (m as Message).seq),
    };
  };
  const digest = (d: Partial<ChatHeadsDigest> & { digestSeq: number }): ChatHeadsDigest => ({
    publisherId: 'ms-1',
    intervalMs: 1000,
    heads: [],
    joins: [],
    ...d,
  });
  return { watch, connect, digest, requests, setAnswer: (f: typeof answer) => (answer = f) };
}

describe('HeadsWatch', () => {
  it('brings every connection that follows a chat up to its head, and nobody else', async () => {
    const store = [1, 2, 3].map((s) => msg(chatA, s));
    const { watch, connect, digest } = setup(store);
    const behind = connect(alice);
    behind.order.setCursor(chatA, 2);
    const upToDate = connect(bob);
    upToDate.order.setCursor(chatA, 4);
    const elsewhere = connect(alice);
    elsewhere.order.setCursor(chatB, 1);
    watch.onDigest(digest({ digestSeq: 1, heads: [[chatA, 3]] }));
    await tick();
    expect(behind.seqs()).toEqual([2, 3]);
    expect(upToDate.seqs()).toEqual([]);
    expect(elsewhere.seqs()).toEqual([]);
  });

  it('introduces a joined chat to a connection whose chat:new was lost, once, and fills from the join', async () => {
    const store = [1, 2].map((s) => msg(chatA, s));
    const { watch, connect, digest, requests, setAnswer } = setup(store);
    setAnswer((subject) =>
      subject === ChatGetV1.subject
        ? { id: chatA, type: 'group', title: 't', members: [], createdAt: '', lastSeq: 0 }
        : {},
    );
    const c = connect(alice);
    watch.onDigest(
      digest({ digestSeq: 1, joins: [{ chatId: chatA, fromSeq: 0, userIds: [alice] }], heads: [[chatA, 2]] }),
    );
    watch.onDigest(
      digest({ digestSeq: 2, joins: [{ chatId: chatA, fromSeq: 0, userIds: [alice] }], heads: [[chatA, 2]] }),
    );
    await tick();
    expect(requests.filter((r) => r.subject === ChatGetV1.subject)).toEqual([
      { subject: ChatGetV1.subject, payload: { chatId: chatA, userId: alice } },
    ]);
    expect(c.emitted.filter(([e]) => e === 'chat:new')).toHaveLength(1);
    expect(c.seqs()).toEqual([1, 2]);
  });

  it("asks chat.heads.recover.v1 after a gap in a publisher's digests, and fills chats it had no cursor for", async () => {
    const store = [1, 2, 3].map((s) => msg(chatB, s));
    const { watch, connect, digest, requests, setAnswer } = setup(store);
    setAnswer((subject) => {
      if (subject === ChatHeadsRecoverV1.subject)
        return { items: [{ userId: alice, chatId: chatB, lastSeq: 3, deliveredSeq: 1, readSeq: 0 }] };
      return new ParleyError('unavailable', 'down');
    });
    const c = connect(alice);
    const before = Date.now();
    watch.onDigest(digest({ digestSeq: 1 }));
    watch.onDigest(digest({ digestSeq: 4 })); // 2 and 3 were lost
    await tick();
    const recover = requests.find((r) => r.subject === ChatHeadsRecoverV1.subject)?.payload as {
      userIds: string[];
      sinceMs: number;
    };
    expect(recover.userIds).toEqual([alice]);
    expect(recover.sinceMs).toBeLessThanOrEqual(before - 10_000 + 100);
    expect(recover.sinceMs).toBeGreaterThan(before - 11_000);
    expect(c.seqs()).toEqual([2, 3]); // from its delivered watermark
  });
});
