import type { Chat, EventPage, Message, Receipt } from '@parley/contracts';
import { http, registerUser, TestSocket, TestStack, type TestUser } from '@parley/shared/testing';
import { createChat, send, sleep, useStack } from './support';

type Seen = { event: string; payload: unknown; eventSeq: number };

/**
 * The state a client builds by applying events in order: messages by chatId#seq (body, deleted,
 * reactions), watermarks, chats. Catch-up may show a message as it is now, so clients compare states.
 */
function applyAll(events: { event?: string; type?: string; payload: unknown }[]): Record<string, string> {
  const state: Record<string, string> = {};
  for (const e of events) {
    const type = e.event ?? e.type;
    const p = e.payload as Record<string, unknown>;
    if (type === 'message:new' || type === 'message:updated') {
      const m = p as unknown as Message & { deleted?: boolean; reactions?: unknown[] };
      state[`m ${m.chatId}#${m.seq}`] = JSON.stringify([m.body, m.deleted ?? false, m.reactions ?? []]);
    } else if (type === 'receipt') state[`r ${p['chatId']} ${p['userId']} ${p['type']}`] = String(p['upToSeq']);
    else if (type === 'chat:removed') state[`c ${p['chatId']}`] = 'removed';
    else
      state[`c ${p['id']}`] = `${p['title']} ${(p['members'] as { userId: string }[]).map((x) => x.userId).join(',')}`;
  }
  return state;
}

/** What a client keeps of an event to compare two clients' views (bodies and ids, not times). */
function digest(e: { event?: string; type?: string; payload: unknown; eventSeq: number }): string {
  const type = String(e.event ?? e.type);
  const p = e.payload as Record<string, unknown>;
  switch (type) {
    case 'message:new':
      return `${e.eventSeq} ${type} ${p['chatId']}#${p['seq']} ${p['body']}`;
    case 'receipt':
      return `${e.eventSeq} ${type} ${p['chatId']} ${p['userId']} ${p['type']} ${p['upToSeq']}`;
    case 'chat:removed':
      return `${e.eventSeq} ${type} ${p['chatId']}`;
    default:
      return `${e.eventSeq} ${type} ${p['id']} ${(p['members'] as unknown[]).length}`;
  }
}

/** The per-user event stream: eventSeq, `since` resume, two devices, retention, GET /v1/events. */
describe('event stream (real stack, two gateways)', () => {
  let stack: TestStack;
  let gw1: string;
  let gw2: string;
  const connectTo = useStack(
    {
      label: 'events',
      gateways: 2,
      // Small pages so catch-up takes several; a short retention for the resync test (other users stay below it).
      env: { REPLAY_PAGE_SIZE: '10', EVENT_RETENTION_MAX_EVENTS: '80', EVENT_PRUNE_INTERVAL_MS: '300' },
    },
    (s) => {
      stack = s;
      [gw1, gw2] = s.gatewayUrls;
    },
  );
  const connect = (url: string, user: TestUser, since?: unknown) =>
    connectTo(url, user, since === undefined ? {} : { since });
  /** The whole stream of a user over HTTP, `limit` a page. */
  const allEvents = async (user: TestUser, limit: number) => {
    const out: EventPage['events'] = [];
    for (let since = 0; ;) {
      const res = await http<EventPage>(gw1, 'GET', `/v1/events?since=${since}&limit=${limit}`, { token: user.token });
      expect(res.status).toBe(200);
      expect(res.body.events.length).toBeLessThanOrEqual(limit);
      out.push(...res.body.events);
      if (!res.body.hasMore) return out;
      since = res.body.events[res.body.events.length - 1].eventSeq;
    }
  };
  const expectGapless = (seen: Seen[], from = 1) =>
    expect(seen.map((e) => e.eventSeq)).toEqual(Array.from({ length: seen.length }, (_, k) => from + k));

  it('a client away during mixed events resumes with since to exactly the state of one that stayed online', async () => {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => registerUser(stack.authUrl, n)));
    const online = await connect(gw1, alice, 0); // stays connected, does nothing
    const acting = await connect(gw1, alice, 0); // alice's other device, which reads
    const b = await connect(gw2, bob);
    const c = await connect(gw2, carol);
    let away = await connect(gw2, alice, 0);

    const group = await createChat(gw1, bob, { type: 'group', title: 'g', memberIds: [alice.user.id] });
    await send(b, group.id, 'before 1');
    const before = await send(b, group.id, 'before 2');
    const seenBefore = await away.waitForEventSeq(3);
    away.close();
    const since = seenBefore[seenBefore.length - 1].eventSeq;

    // While away: messages, receipts (bob's, and alice's from her other device), member changes, a new chat.
    const direct = await createChat(gw2, carol, { type: 'direct', memberIds: [alice.user.id] });
    await send(c, direct.id, 'hi from carol');
    await send(b, group.id, 'while away 1');
    const read = await acting.emitAck<{ ok: boolean; eventSeq?: number }>('message:read', {
      chatId: group.id,
      upToSeq: before.seq,
    });
    expect(read.ok).toBe(true);
    expect(typeof read.eventSeq).toBe('number');
    await b.emitAck('message:read', { chatId: group.id, upToSeq: 3 });
    await http(gw1, 'POST', `/v1/chats/${group.id}/members`, { token: bob.token, body: { userIds: [carol.user.id] } });
    await http(gw1, 'PATCH', `/v1/chats/${group.id}`, { token: bob.token, body: { title: 'renamed' } });
    // Message lifecycle: an edit, alice's own reaction from her other device, a delete.
    const edited = await b.emitAck<{ ok: boolean; eventSeq?: number }>('message:edit', {
      chatId: group.id,
      seq: 3,
      body: 'while away 1, edited',
    });
    expect(edited.ok).toBe(true);
    const reacted = await acting.emitAck<{ ok: boolean; eventSeq?: number }>('message:react', {
      chatId: group.id,
      seq: 3,
      emoji: '👍',
    });
    expect(typeof reacted.eventSeq).toBe('number');
    expect((await b.emitAck('message:delete', { chatId: group.id, seq: before.seq })).ok).toBe(true);
    await send(c, group.id, 'carol in the group');
    await http(gw1, 'DELETE', `/v1/chats/${group.id}/members/${carol.user.id}`, { token: bob.token });
    const other = await createChat(gw1, bob, { type: 'group', title: 'other', memberIds: [alice.user.id] });
    await send(b, other.id, 'in other');
    await http(gw1, 'DELETE', `/v1/chats/${other.id}/members/${alice.user.id}`, { token: bob.token });

    // And more of the same (a message, alice's reaction from her other device, bob's read), so she misses 50+ events.
    for (let i = 0; i < 12; i++) {
      const m = await send(b, group.id, `burst ${i}`);
      expect(
        (await acting.emitAck('message:react', { chatId: group.id, seq: m.seq, emoji: i % 2 ? '🎉' : '👍' })).ok,
      ).toBe(true);
      expect((await b.emitAck('message:read', { chatId: group.id, upToSeq: m.seq })).ok).toBe(true);
    }

    // The truth: the stored stream over HTTP (paged by 3).
    const truth = await allEvents(alice, 3);
    const last = truth[truth.length - 1].eventSeq;
    expect(last - since).toBeGreaterThanOrEqual(50);
    expect(truth.map((e) => e.eventSeq)).toEqual(Array.from({ length: last }, (_, k) => k + 1));
    expect(new Set(truth.map((e) => e.type))).toEqual(
      new Set(['chat:new', 'message:new', 'message:updated', 'receipt', 'chat:updated', 'chat:removed']),
    );

    // The client that stayed online saw every event once, in order (alice's own read included, from her other device).
    const stayed = await online.waitForEventSeq(last);
    expectGapless(stayed);
    expect(stayed.map((e) => `${e.eventSeq} ${e.event}`)).toEqual(truth.map((e) => `${e.eventSeq} ${e.type}`));
    expect(applyAll(stayed)).toEqual(applyAll(truth));
    const ownRead = stayed.find((e) => e.eventSeq === read.eventSeq);
    expect(ownRead?.event).toBe('receipt');
    expect(ownRead?.payload).toMatchObject({ userId: alice.user.id, type: 'read', upToSeq: before.seq });
    // The acting device got its own receipt in the ack, not as an event.
    expect(acting.stream().some((e) => e.eventSeq === read.eventSeq)).toBe(false);

    // Back with since: exactly what it missed, then the state equals the one that stayed.
    away = await connect(gw2, alice, since);
    const resumed = await away.waitForEventSeq(last);
    expectGapless(resumed, since + 1);
    expect([...seenBefore, ...resumed].map((e) => `${e.eventSeq} ${e.event}`)).toEqual(
      stayed.map((e) => `${e.eventSeq} ${e.event}`),
    );
    expect(applyAll([...seenBefore, ...resumed])).toEqual(applyAll(stayed));
    // A deleted body is never sent again: the catch-up carries the tombstone.
    expect(JSON.stringify(resumed)).not.toContain('before 2');
    expect(applyAll(resumed)[`m ${group.id}#${before.seq}`]).toEqual(JSON.stringify(['', true, []]));
    // Live after catch-up.
    const afterwards = await send(b, group.id, 'after');
    const live = await away.waitFor<Message>('message:new', (m) => m.id === afterwards.id);
    expect(live.body).toBe('after');
    expect(away.stream().map((e) => e.eventSeq)).toEqual(
      Array.from({ length: last - since + 1 }, (_, k) => since + 1 + k),
    );
  });

  it('no duplicate and no skip within a connection while live traffic overlaps the catch-up', async () => {
    const [alice, bob] = await Promise.all(['alice2', 'bob2'].map((n) => registerUser(stack.authUrl, n)));
    const b = await connect(gw1, bob);
    const chat = await createChat(gw1, bob, { type: 'direct', memberIds: [alice.user.id] });
    for (let i = 0; i < 30; i++) await send(b, chat.id, `offline ${i}`);
    // Connect while bob keeps sending through the other gateway.
    const sending = (async () => {
      for (let i = 0; i < 30; i++) await send(b, chat.id, `live ${i}`);
    })();
    const a = await connect(gw2, alice, 0);
    await sending;
    const seen = await a.waitForEventSeq(61);
    expectGapless(seen);
    expect(seen).toHaveLength(61);
    const bodies = seen.filter((e) => e.event === 'message:new').map((e) => (e.payload as Message).body);
    expect(bodies).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `offline ${i}`),
      ...Array.from({ length: 30 }, (_, i) => `live ${i}`),
    ]);
    // No v1 replay on a since connection: nothing without an eventSeq.
    expect(a.events('message:new')).toHaveLength(60);
  });

  it("two devices of one user both get every event and see each other's reads", async () => {
    const [alice, bob] = await Promise.all(['alice3', 'bob3'].map((n) => registerUser(stack.authUrl, n)));
    const d1 = await connect(gw1, alice, 0);
    const d2 = await connect(gw2, alice, 0);
    const v1 = await connect(gw2, alice); // a v1 client: one argument is all it reads
    const b = await connect(gw1, bob);
    const chat = await createChat(gw1, bob, { type: 'direct', memberIds: [alice.user.id] });
    const sent = await b.emitAck<{ ok: boolean; message: Message; eventSeq: number }>('message:send', {
      chatId: chat.id,
      clientMsgId: 'x1',
      body: 'to both',
    });
    expect(sent.eventSeq).toBe(2); // bob: chat:new 1, this message 2
    const [s1, s2] = await Promise.all([d1.waitForEventSeq(2), d2.waitForEventSeq(2)]);
    expect(s1.map(digest)).toEqual(s2.map(digest));
    expect(s1.map((e) => e.event)).toEqual(['chat:new', 'message:new']);
    await v1.waitFor<Message>('message:new', (m) => m.id === sent.message.id);

    const ack = await d1.emitAck<{ ok: boolean; eventSeq?: number }>('message:read', { chatId: chat.id, upToSeq: 1 });
    expect(ack).toEqual({ ok: true, eventSeq: 3 });
    const onD2 = await d2.waitForEventSeq(3);
    expect(onD2[2]).toMatchObject({ event: 'receipt', eventSeq: 3, payload: { userId: alice.user.id, type: 'read' } });
    await v1.waitFor<Receipt>('receipt', (r) => r.userId === alice.user.id && r.type === 'read');
    const atBob = await b.waitFor<Receipt>('receipt', (r) => r.userId === alice.user.id && r.type === 'read');
    expect(atBob.upToSeq).toBe(1);
    // A read that moves nothing: no eventSeq.
    expect(await d2.emitAck('message:read', { chatId: chat.id, upToSeq: 1 })).toEqual({ ok: true });
    // The acting device got no receipt event of its own read.
    await send(b, chat.id, 'fence');
    await d1.waitForEventSeq(4);
    expect(d1.stream().map((e) => e.eventSeq)).toEqual([1, 2, 4]);
    expect(v1.received.find((r) => r.event === 'message:new')?.meta).toEqual({ eventSeq: 2 });
  });

  it('a since below retention gets resync:required {oldestEventSeq} first, then live events only', async () => {
    const [alice, bob] = await Promise.all(['alice4', 'bob4'].map((n) => registerUser(stack.authUrl, n)));
    const b = await connect(gw1, bob);
    const chat = await createChat(gw1, bob, { type: 'direct', memberIds: [alice.user.id] });
    for (let i = 0; i < 90; i++) await send(b, chat.id, `m${i}`); // alice: 91 events, 80 kept
    let page: EventPage;
    do {
      await sleep(100);
      page = (await http<EventPage>(gw1, 'GET', '/v1/events?since=0', { token: alice.token })).body;
      // The prune runs every 300 ms: wait for the one after the last send.
    } while (page.oldestEventSeq !== 12);
    expect(page).toEqual({ events: [], hasMore: false, resyncRequired: true, oldestEventSeq: 12 });
    const kept = await http<EventPage>(gw1, 'GET', '/v1/events?since=11&limit=500', { token: alice.token });
    expect(kept.body.events.map((e) => e.eventSeq)).toEqual(Array.from({ length: 80 }, (_, k) => 12 + k));

    const a = await connect(gw2, alice, 5);
    expect(await a.waitFor('resync:required')).toEqual({ oldestEventSeq: 12 });
    const live = await send(b, chat.id, 'live');
    await a.waitFor<Message>('message:new', (m) => m.id === live.id);
    expect(a.stream().map((e) => e.eventSeq)).toEqual([92]);
    expect(a.received[0].event).toBe('resync:required');
  });

  it('GET /v1/events validates like every call; since must be an integer >= 0 on connect too', async () => {
    const alice = await registerUser(stack.authUrl, 'alice5');
    for (const q of ['limit=0', 'limit=501', 'since=-1', 'since=abc', 'limit=1.5']) {
      const res = await http<{ error: { code: string } }>(gw1, 'GET', `/v1/events?${q}`, { token: alice.token });
      expect([q, res.status, res.body.error.code]).toEqual([q, 400, 'invalid']);
    }
    expect((await http(gw1, 'GET', '/v1/events')).status).toBe(401);
    expect((await http<EventPage>(gw1, 'GET', '/v1/events', { token: alice.token })).body).toEqual({
      events: [],
      hasMore: false,
    });
    for (const since of [-1, '5', 1.5, 'x', {}]) {
      await expect(connect(gw1, alice, since)).rejects.toThrow('invalid');
    }
    // unauthorized comes first.
    await expect(TestSocket.connect(gw1, 'not-a-token', { since: -1 })).rejects.toThrow('unauthorized');
    const ok = await connect(gw1, alice, null); // null: v1
    expect(ok.socket.connected).toBe(true);
    const chat: Chat = await createChat(gw1, alice, { type: 'group', title: 'solo', memberIds: [] });
    expect((await ok.waitFor<Chat>('chat:new', (c) => c.id === chat.id)).id).toBe(chat.id);
  });
});
