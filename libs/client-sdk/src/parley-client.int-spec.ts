import { randomUUID } from 'node:crypto';
import type { Chat, EventPage, Message } from '@parley/contracts/client';
import { TestSocket, TestStack } from '@parley/shared/testing';
import { ParleyClient, type ParleyClientOptions } from './lib/parley-client';
import { MemoryStorage, type KeyValueStorage } from './lib/storage';
import { EventRecorder, eventually, sleep } from './test/event-recorder';

/** The SDK against the whole real stack (five apps from dist/, real PostgreSQL, Redis, NATS). */
describe('ParleyClient against the real stack', () => {
  let stack: TestStack;
  const clients: ParleyClient[] = [];

  beforeAll(async () => {
    stack = await TestStack.start({
      label: 'client-sdk',
      gateways: 1,
      // A short retention for the resync test (only its user goes over it), pruned often.
      env: { EVENT_RETENTION_MAX_EVENTS: '80', EVENT_PRUNE_INTERVAL_MS: '300' },
    });
  }, 180_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stack?.stop();
  });

  function client(extra: Partial<ParleyClientOptions> = {}): { c: ParleyClient; ev: EventRecorder } {
    const c = new ParleyClient({
      authUrl: stack.authUrl,
      gatewayUrl: stack.gatewayUrl,
      transports: ['websocket'],
      ...extra,
    });
    clients.push(c);
    return { c, ev: new EventRecorder(c) };
  }

  const uname = (p: string) => `${p}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

  async function user(prefix: string, extra: Partial<ParleyClientOptions> = {}) {
    const username = uname(prefix);
    const x = client(extra);
    await x.c.register({ username, password: 'password-123', displayName: prefix });
    await x.ev.waitFor('connection', (e) => e.state === 'connected');
    return { ...x, username, id: x.c.user?.id ?? '' };
  }

  const bodies = (ms: Message[]) => ms.map((m) => m.body);

  it('register, login, find users; wrong password is unauthorized', async () => {
    const alice = await user('alice');
    expect(alice.c.user).toMatchObject({ username: alice.username, displayName: 'alice' });
    const found = await alice.c.findUser(alice.username);
    expect(found.id).toBe(alice.id);
    await expect(alice.c.findUser(uname('nobody'))).rejects.toMatchObject({ code: 'not_found', status: 404 });

    const again = client();
    await expect(again.c.login({ username: alice.username, password: 'wrong-password' })).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(await again.c.login({ username: alice.username, password: 'password-123' })).toMatchObject({ id: alice.id });
    await expect(again.c.register({ username: alice.username, password: 'password-123' })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('direct chat: message arrives, statuses go pending -> sent -> delivered -> read', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const chat = await alice.c.createDirectChat(bob.id);
    await bob.ev.waitFor('chat', (e) => e.kind === 'new' && e.chat.id === chat.id);

    const entry = await alice.c.send(chat.id, 'hello bob');
    const got = await bob.ev.waitFor('message', (m) => m.message.clientMsgId === entry.clientMsgId);
    expect(got).toMatchObject({
      own: false,
      message: { chatId: chat.id, seq: 1, senderId: alice.id, body: 'hello bob' },
    });
    // bob's client acks delivery by itself
    await alice.ev.waitFor('status', (s) => s.clientMsgId === entry.clientMsgId && s.status === 'delivered');
    await bob.c.markRead(chat.id, 1);
    await alice.ev.waitFor('status', (s) => s.clientMsgId === entry.clientMsgId && s.status === 'read');
    const seen = alice.ev.all('status', (s) => s.clientMsgId === entry.clientMsgId).map((s) => s.status);
    expect(seen).toEqual(['pending', 'sent', 'delivered', 'read']);
    expect(alice.c.statusOf(chat.id, 1)?.status).toBe('read');
    expect(alice.c.pending()).toEqual([]);

    const list = await bob.c.listChats();
    expect(list.find((c) => c.id === chat.id)).toMatchObject({
      unreadCount: 0,
      lastMessage: { body: 'hello bob' },
      muted: false,
    });
  });

  it('a message typed while offline waits in the outbox and is stored once when the network returns', async () => {
    const storage = new MemoryStorage();
    const alice = await user('alice', { storage });
    const bob = await user('bob');
    const chat = await alice.c.createDirectChat(bob.id);

    alice.c.setNetworkAvailable(false);
    expect(alice.c.connectionState).toBe('offline');
    const one = await alice.c.send(chat.id, 'typed offline 1');
    const two = await alice.c.send(chat.id, 'typed offline 2');
    expect(alice.c.pending(chat.id).map((e) => e.body)).toEqual(['typed offline 1', 'typed offline 2']);
    expect(await storage.get(`parley:outbox:${alice.id}`)).toContain('typed offline 2');
    await sleep(300);
    expect(bob.ev.all('message')).toHaveLength(0);

    alice.c.setNetworkAvailable(true);
    const sent = await Promise.all(
      [one, two].map((e) => alice.ev.waitFor('status', (s) => s.clientMsgId === e.clientMsgId && s.status === 'sent')),
    );
    expect(sent.map((s) => s.seq)).toEqual([1, 2]);
    await eventually(() => bob.ev.all('message').length === 2);
    expect(alice.c.pending()).toEqual([]);
    expect(await storage.get(`parley:outbox:${alice.id}`)).toBeNull();
    const history = await bob.c.history(chat.id);
    expect(bodies(history.messages)).toEqual(['typed offline 1', 'typed offline 2']);
  });

  it('the outbox survives a restart: a new client with the same storage sends it', async () => {
    const storage: KeyValueStorage = new MemoryStorage();
    const bob = await user('bob');
    const first = await user('alice', { storage });
    const chat = await first.c.createDirectChat(bob.id);
    first.c.setNetworkAvailable(false);
    const entry = await first.c.send(chat.id, 'written before the crash');
    first.c.close();

    const second = client({ storage });
    expect(await second.c.restoreSession()).toMatchObject({ id: first.id });
    const stored = await second.ev.waitFor('status', (s) => s.clientMsgId === entry.clientMsgId && s.status === 'sent');
    expect(stored.message).toMatchObject({ body: 'written before the crash', seq: 1 });
    await bob.ev.waitFor('message', (m) => m.message.clientMsgId === entry.clientMsgId);
    expect((await bob.c.history(chat.id)).messages).toHaveLength(1);
  });

  it('replayed messages are dropped by (chatId, seq); the held-back delivered ack goes out on reconnect', async () => {
    const alice = await user('alice');
    // bob's delivered ack is held back long enough for a reconnect to replay what he has
    const bob = await user('bob', { deliveredAckDelayMs: 60_000 });
    const chat = await alice.c.createDirectChat(bob.id);
    for (const b of ['r1', 'r2', 'r3']) await alice.c.send(chat.id, b);
    await eventually(() => bob.ev.all('message').length === 3);
    // precondition: the server still has bob's delivered watermark at 0, so a connect replays 1..3
    const before = await TestSocket.connect(stack.gatewayUrl, bob.c.accessToken ?? '');
    await before.waitForCount<Message>('message:new', 3, (m) => m.chatId === chat.id);
    before.close();

    bob.c.setNetworkAvailable(false);
    bob.c.setNetworkAvailable(true);
    await bob.ev.waitFor(
      'connection',
      (e) => e.state === 'connected' && bob.ev.all('connection', (x) => x.state === 'connected').length === 2,
    );
    // the reconnect resumes after bob's `since` (no replay of 1..3), and the held-back ack goes out now
    await eventually(async () => {
      const probe = await TestSocket.connect(stack.gatewayUrl, bob.c.accessToken ?? '');
      await sleep(300);
      const replayed = probe.events<Message>('message:new').filter((m) => m.chatId === chat.id).length;
      probe.close();
      return replayed === 0;
    }, 15_000);
    expect(bob.ev.all('message').map((m) => m.message.seq)).toEqual([1, 2, 3]);
    await alice.ev.waitFor('status', (s) => s.seq === 3 && s.status === 'delivered');
  });

  /** The `since` a client stored for its user. */
  async function storedSince(storage: KeyValueStorage, userId: string): Promise<number | null> {
    const raw = await storage.get(`parley:since:${userId}`);
    return raw === null ? null : Number(raw);
  }

  /** The user's event stream after `since` over HTTP (what a connect with that since would catch up). */
  async function eventsAfter(token: string, since: number): Promise<EventPage> {
    const res = await fetch(`${stack.gatewayUrl}/v1/events?since=${since}&limit=500`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return (await res.json()) as EventPage;
  }

  /** Waits until the client stored a since with nothing after it in the stream (it applied everything); answers it. */
  function caughtUp(storage: KeyValueStorage, userId: string, token: string): Promise<number> {
    return eventually(async () => {
      const since = await storedSince(storage, userId);
      if (since === null || since < 1) return 0;
      return (await eventsAfter(token, since)).events.length === 0 ? since : 0;
    });
  }

  /** The stream events a client emitted after log index `from`, as [event, detail]. */
  function streamed(ev: EventRecorder, from: number): [string, string][] {
    return ev.log.slice(from).flatMap(({ event, payload }): [string, string][] => {
      if (event === 'message') return [['message', (payload as { message: Message }).message.body]];
      if (event === 'updated') {
        const m = payload as Message;
        return [['updated', `${m.seq}:${m.body}:${m.reactions.map((r) => r.emoji).join('')}`]];
      }
      if (event === 'receipt') {
        const r = payload as { type: string; upToSeq: number };
        return [['receipt', `${r.type}:${r.upToSeq}`]];
      }
      return [];
    });
  }

  it('resumes with since: an offline client gets exactly the messages, edits and receipts it missed, once', async () => {
    const storage = new MemoryStorage();
    const alice = await user('alice');
    const bob = await user('bob', { storage });
    const chat = await alice.c.createDirectChat(bob.id);
    await bob.ev.waitFor('chat', (e) => e.kind === 'new' && e.chat.id === chat.id);
    await alice.c.send(chat.id, 'm1');
    await bob.ev.waitFor('message', (m) => m.message.body === 'm1');
    const b1 = await bob.c.send(chat.id, 'b1');
    await bob.ev.waitFor('status', (s) => s.clientMsgId === b1.clientMsgId && s.status === 'delivered');
    // bob's own delivered ack of m1 (batched by the SDK) is an event of his stream too: wait until it is stored
    await alice.ev.waitFor('status', (s) => s.seq === 1 && s.status === 'delivered');
    // bob applied every event so far: his since is his stream's latest
    const before = await caughtUp(storage, bob.id, bob.c.accessToken ?? '');
    expect(before).toBeGreaterThanOrEqual(4); // chat:new, m1, b1, alice's delivered receipt

    bob.c.setNetworkAvailable(false);
    const from = bob.ev.log.length;
    await alice.c.send(chat.id, 'm3');
    await alice.c.send(chat.id, 'm4');
    await alice.ev.waitFor('status', (s) => s.seq === 4 && s.status === 'sent');
    await alice.c.editMessage(chat.id, 1, 'm1 edited');
    await alice.c.react(chat.id, 3, '👍');
    await alice.c.markRead(chat.id, 2);
    const missed = await eventsAfter(bob.c.accessToken ?? '', before);
    // (delivered receipts are left out here and below: the SDKs batch those acks, so when they land is timing)
    const notDelivered = (e: EventPage['events'][number]) =>
      !(e.type === 'receipt' && (e.payload as { type: string }).type === 'delivered');
    expect(missed.events.filter(notDelivered).map((e) => e.type)).toEqual([
      'message:new',
      'message:new',
      'message:updated',
      'message:updated',
      'receipt',
    ]);

    bob.c.setNetworkAvailable(true);
    // then one more message: events come in eventSeq order, so once it is here the catch-up is complete
    await alice.c.send(chat.id, 'after');
    await bob.ev.waitFor('message', (m) => m.message.body === 'after');
    expect(streamed(bob.ev, from).filter(([e, d]) => !(e === 'receipt' && d.startsWith('delivered')))).toEqual([
      ['message', 'm3'],
      ['message', 'm4'],
      ['updated', '1:m1 edited:'],
      ['updated', '3:m3:👍'],
      ['receipt', 'read:2'],
      ['message', 'after'],
    ]);
    expect(bob.c.statusOf(chat.id, 2)?.status).toBe('read');
    // and the stored since moved to the stream's end again (bob's own delivered ack included)
    await eventually(async () => {
      const since = await storedSince(storage, bob.id);
      return (
        since !== null && since > before && (await eventsAfter(bob.c.accessToken ?? '', since)).events.length === 0
      );
    });
  });

  it('since survives a restart: a new client with the same storage catches up only what came after', async () => {
    const storage = new MemoryStorage();
    const alice = await user('alice');
    const first = await user('bob', { storage });
    const chat = await alice.c.createDirectChat(first.id);
    for (const b of ['one', 'two']) await alice.c.send(chat.id, b);
    await eventually(() => first.ev.all('message').length === 2);
    const token = first.c.accessToken ?? '';
    const since = await caughtUp(storage, first.id, token);
    first.c.close();

    await alice.c.editMessage(chat.id, 1, 'one, edited');
    await alice.c.send(chat.id, 'three');
    await alice.ev.waitFor('status', (s) => s.seq === 3 && s.status === 'sent');

    const second = client({ storage });
    const from = second.ev.log.length;
    expect(await second.c.restoreSession()).toMatchObject({ id: first.id });
    await second.ev.waitFor('message', (m) => m.message.body === 'three');
    await alice.c.send(chat.id, 'live');
    await second.ev.waitFor('message', (m) => m.message.body === 'live');
    // not 'one' and 'two' again (since was kept), and the edit (no v1 replay would carry it)
    expect(streamed(second.ev, from)).toEqual([
      ['updated', '1:one, edited:'],
      ['message', 'three'],
      ['message', 'live'],
    ]);
    expect(await storedSince(storage, first.id)).toBeGreaterThan(since);
  });

  it("a read on one device reaches the user's other device as readElsewhere, not the reading one", async () => {
    const alice = await user('alice');
    const phone = await user('bob');
    const laptop = client();
    await laptop.c.login({ username: phone.username, password: 'password-123' });
    await laptop.ev.waitFor('connection', (e) => e.state === 'connected');
    const chat = await alice.c.createDirectChat(phone.id);
    await alice.c.send(chat.id, 'hi');
    await laptop.ev.waitFor('message', (m) => m.message.body === 'hi');
    await phone.ev.waitFor('message', (m) => m.message.body === 'hi');
    await phone.c.markRead(chat.id, 1);
    expect(await laptop.ev.waitFor('readElsewhere', (r) => r.chatId === chat.id)).toEqual({
      chatId: chat.id,
      upToSeq: 1,
    });
    await alice.ev.waitFor('status', (s) => s.seq === 1 && s.status === 'read');
    expect(phone.ev.all('readElsewhere')).toEqual([]);
    expect(laptop.ev.all('receipt')).toEqual([]); // our own watermark is not another member's tick
  });

  it('a since below retention: `resync` once, no catch-up, then the position of the live stream', async () => {
    const storage = new MemoryStorage();
    const alice = await user('alice');
    const first = await user('bob', { storage });
    const chat = await alice.c.createDirectChat(first.id);
    await first.ev.waitFor('chat', (e) => e.kind === 'new' && e.chat.id === chat.id);
    const token = first.c.accessToken ?? '';
    const since = await caughtUp(storage, first.id, token);
    first.c.close();

    // bob's stream grows past the 80 kept events while his device is away
    for (let i = 0; i < 90; i++) await alice.c.send(chat.id, `m${i}`);
    await alice.ev.waitFor('status', (s) => s.seq === 90 && s.status === 'sent', 60_000);
    await eventually(async () => (await eventsAfter(token, since)).resyncRequired === true, 15_000);

    const second = client({ storage });
    expect(await second.c.restoreSession()).toMatchObject({ id: first.id });
    const resync = await second.ev.waitFor('resync');
    expect(resync.oldestEventSeq).toBeGreaterThan(since + 1);
    await alice.c.send(chat.id, 'live');
    await second.ev.waitFor('message', (m) => m.message.body === 'live');
    expect(second.ev.all('message').map((m) => m.message.body)).toEqual(['live']);
    expect(second.ev.all('resync')).toHaveLength(1);
    // the stored since is the live stream's position now: a reconnect resumes from it, no resync
    await eventually(async () => {
      const s = await storedSince(storage, first.id);
      const page = s === null ? null : await eventsAfter(token, s);
      return page !== null && !page.resyncRequired && page.events.length === 0;
    });
    await eventually(() => second.c.cachedChat(chat.id));
  }, 120_000);

  it('group of three: delivered to all and read by all need every member, with counts', async () => {
    const [a, b, c] = [await user('ann'), await user('ben'), await user('cat')];
    const group = await a.c.createGroup('Trio', [b.id, c.id]);
    expect(group.members.find((m) => m.userId === a.id)?.role).toBe('admin');
    await Promise.all([b, c].map((x) => x.ev.waitFor('chat', (e) => e.kind === 'new' && e.chat.id === group.id)));

    const entry = await a.c.send(group.id, 'hi both');
    await a.ev.waitFor(
      'status',
      (s) => s.clientMsgId === entry.clientMsgId && s.status === 'delivered' && s.deliveredCount === 2,
    );
    await b.c.markRead(group.id, 1);
    const half = await a.ev.waitFor('status', (s) => s.clientMsgId === entry.clientMsgId && s.readCount === 1);
    expect(half).toMatchObject({ status: 'delivered', readCount: 1, recipientCount: 2 });
    await c.c.markRead(group.id, 1);
    await a.ev.waitFor(
      'status',
      (s) => s.clientMsgId === entry.clientMsgId && s.status === 'read' && s.readCount === 2,
    );

    // ben's reply reaches both others
    const reply = await b.c.send(group.id, 'hi ann');
    await Promise.all([a, c].map((x) => x.ev.waitFor('message', (m) => m.message.clientMsgId === reply.clientMsgId)));
  });

  it('member management: rename, roles, mute, add and remove, with chat events', async () => {
    const [a, b, c] = [await user('ann'), await user('ben'), await user('cat')];
    const group = await a.c.createGroup('Team', [b.id]);
    await b.ev.waitFor('chat', (e) => e.kind === 'new' && e.chat.id === group.id);

    const renamed = await a.c.renameChat(group.id, 'Team ✨');
    expect(renamed.title).toBe('Team ✨');
    await b.ev.waitFor('chat', (e) => e.kind === 'updated' && e.chat.title === 'Team ✨');

    const added = await a.c.addMembers(group.id, [c.id]);
    expect(added.members.map((m) => m.userId).sort()).toEqual([a.id, b.id, c.id].sort());
    await c.ev.waitFor('chat', (e) => e.kind === 'new' && e.chat.id === group.id);

    const promoted = await a.c.setRole(group.id, b.id, 'admin');
    expect(promoted.members.find((m) => m.userId === b.id)?.role).toBe('admin');
    await expect(c.c.renameChat(group.id, 'mine now')).rejects.toMatchObject({ code: 'forbidden', status: 403 });

    expect(await c.c.setMuted(group.id, true)).toBe(true);
    expect((await c.c.listChats()).find((x) => x.id === group.id)?.muted).toBe(true);

    await b.c.removeMember(group.id, c.id);
    await c.ev.waitFor('chat', (e) => e.kind === 'removed' && e.chatId === group.id);
    await expect(c.c.getChat(group.id)).rejects.toMatchObject({ code: 'forbidden' });
    await a.c.leaveChat(group.id);
    await a.ev.waitFor('chat', (e) => e.kind === 'removed' && e.chatId === group.id);
  });

  it('history pages backwards; statuses of own messages are seeded from the server', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const chat: Chat = await alice.c.createDirectChat(bob.id);
    for (let i = 1; i <= 7; i++) await alice.c.send(chat.id, `m${i}`);
    await alice.ev.waitFor('status', (s) => s.seq === 7 && s.status === 'sent');
    await eventually(() => bob.ev.all('message').length === 7);
    await bob.c.markRead(chat.id, 4);

    // a fresh device of alice: nothing known locally
    const device = client();
    await device.c.login({ username: alice.username, password: 'password-123' });
    const latest = await device.c.history(chat.id, { limit: 3 });
    expect([latest.messages.map((m) => m.seq), latest.hasMore]).toEqual([[5, 6, 7], true]);
    const older = await device.c.history(chat.id, { before: 5, limit: 3 });
    expect([older.messages.map((m) => m.seq), older.hasMore]).toEqual([[2, 3, 4], true]);
    const oldest = await device.c.history(chat.id, { before: 2, limit: 3 });
    expect([oldest.messages.map((m) => m.seq), oldest.hasMore]).toEqual([[1], false]);

    // Bob's client acks deliveries on its own schedule: 'delivered' reaches 7 when its last ack is stored.
    await eventually(
      () => device.c.statusOf(chat.id, 4)?.status === 'read' && device.c.statusOf(chat.id, 7)?.status === 'delivered',
    );
    expect([1, 2, 3, 4, 5, 6, 7].map((s) => device.c.statusOf(chat.id, s)?.status)).toEqual([
      'read',
      'read',
      'read',
      'read',
      'delivered',
      'delivered',
      'delivered',
    ]);
    await expect(device.c.history(chat.id, { before: 0 })).rejects.toMatchObject({ code: 'invalid' });
  });

  it('replies, edits, reactions and deletes reach the other member and the actor as `updated`', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const chat = await alice.c.createDirectChat(bob.id);
    await bob.ev.waitFor('chat', (e) => e.kind === 'new' && e.chat.id === chat.id);
    await alice.c.send(chat.id, 'question');
    await bob.ev.waitFor('message', (m) => m.message.chatId === chat.id && m.message.seq === 1);
    await bob.c.send(chat.id, 'answer', { replyToSeq: 1 });
    const reply = await alice.ev.waitFor('message', (m) => m.message.chatId === chat.id && m.message.seq === 2);
    expect(reply.message.replyToSeq).toBe(1);

    const edited = await alice.c.editMessage(chat.id, 1, 'question, edited');
    expect(edited).toMatchObject({ seq: 1, body: 'question, edited', editedAt: expect.any(String) });
    expect(await bob.ev.waitFor('updated', (m) => m.body === 'question, edited')).toEqual(edited);
    const reacted = await bob.c.react(chat.id, 1, '👍');
    expect(await alice.ev.waitFor('updated', (m) => m.reactions.length === 1)).toEqual(reacted);
    const deleted = await alice.c.deleteMessage(chat.id, 1);
    expect(deleted).toMatchObject({ deleted: true, body: '', reactions: [] });
    expect(await bob.ev.waitFor('updated', (m) => m.deleted)).toEqual(deleted);
    // The actor's own acks come as `updated` too, in order.
    expect(alice.ev.all('updated').map((m) => [m.body, m.reactions.length, m.deleted])).toEqual([
      ['question, edited', 0, false],
      ['question, edited', 1, false],
      ['', 0, true],
    ]);
    await expect(bob.c.editMessage(chat.id, 1, 'x')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('presence and typing', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const chat = await alice.c.createDirectChat(bob.id);
    const states = await alice.c.subscribePresence([bob.id]);
    expect(states).toEqual([{ userId: bob.id, online: true, lastSeenAt: null }]);

    bob.c.notifyTyping(chat.id);
    await alice.ev.waitFor('typing', (t) => t.chatId === chat.id && t.userId === bob.id && t.isTyping);
    expect(alice.c.isTyping(chat.id, bob.id)).toBe(true);
    bob.c.stopTyping(chat.id);
    await alice.ev.waitFor('typing', (t) => t.userId === bob.id && !t.isTyping);

    bob.c.close();
    const off = await alice.ev.waitFor('presence', (p) => p.userId === bob.id && !p.online, 15_000);
    expect(Date.parse(off.lastSeenAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(alice.c.presenceOf(bob.id)?.online).toBe(false);

    // after alice's own reconnect the subscription still holds
    alice.c.setNetworkAvailable(false);
    alice.c.setNetworkAvailable(true);
    await eventually(() => alice.c.connectionState === 'connected');
    await sleep(300);
    const back = client();
    await back.c.login({ username: bob.username, password: 'password-123' });
    await alice.ev.waitFor('presence', (p) => p.userId === bob.id && p.online, 15_000);

    const stranger = await user('eve');
    await expect(alice.c.subscribePresence([stranger.id])).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('block, listBlocks, unblock: the blocked user cannot write in the direct chat meanwhile', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const chat = await alice.c.createDirectChat(bob.id);
    const blocked = await alice.c.block(bob.id);
    expect(blocked).toEqual({ userId: bob.id, createdAt: expect.any(String) });
    expect(await alice.c.block(bob.id)).toEqual(blocked);
    expect(await alice.c.listBlocks()).toEqual([blocked]);
    await expect(bob.c.createDirectChat(alice.id)).rejects.toMatchObject({ code: 'forbidden', status: 403 });
    await expect(alice.c.block(alice.id)).rejects.toMatchObject({ code: 'invalid' });
    await expect(alice.c.block(randomUUID())).rejects.toMatchObject({ code: 'not_found' });

    await alice.c.unblock(bob.id);
    await alice.c.unblock(bob.id);
    expect(await alice.c.listBlocks()).toEqual([]);
    expect((await bob.c.createDirectChat(alice.id)).id).toBe(chat.id);
  });

  it('a refused token asks reauthenticate for a new one and carries on', async () => {
    const base = await user('alice');
    const password = 'password-123';
    const username = base.username;
    base.c.close();
    let asked = 0;
    const x = client({
      reauthenticate: async () => {
        asked++;
        const fresh = new ParleyClient({ authUrl: stack.authUrl, gatewayUrl: stack.gatewayUrl });
        const { accessToken } = await fresh.api.auth.login({ username, password });
        fresh.close();
        return accessToken;
      },
    });
    const [h, p] = (base.c.accessToken ?? '').split('.');
    await x.c.startSession({ user: base.c.user ?? (await x.c.findUser(username)), accessToken: `${h}.${p}.forged` });
    await x.ev.waitFor('connection', (e) => e.state === 'connected');
    expect(asked).toBe(1);
    expect(x.ev.all('connection').map((e) => e.state)).toContain('unauthorized');
    expect((await x.c.listChats()).length).toBeGreaterThanOrEqual(0);
  });
});
