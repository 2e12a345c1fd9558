import type { Message } from '@parley/contracts';
import { registerUser, TestSocket, TestStack, type TestUser } from '@parley/shared/testing';
import { createChat, messagesOf, send, useStack } from './support';

/** Issue 5 (replay half): offline store-and-forward, replayed on reconnect in order. */
describe('replay on reconnect (real stack)', () => {
  let stack: TestStack;
  let gw: string;
  const connectTo = useStack(
    {
      label: 'replay',
      env: { RATE_LIMIT_MESSAGES_PER_SECOND: '10000', RATE_LIMIT_MESSAGES_BURST: '10000' },
    },
    (s) => {
      stack = s;
      gw = s.gatewayUrl;
    },
  );
  const connect = (user: TestUser) => connectTo(gw, user);

  const seqsOf = (s: TestSocket, chatId: string) => messagesOf(s, chatId).map((m) => m.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('20 messages while offline are replayed in order, then live ones follow; again until acked', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(alice);
    const chat = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    for (let i = 1; i <= 20; i++) await send(a, chat.id, `offline ${i}`);

    const b1 = await connect(bob);
    await b1.waitForCount<Message>('message:new', 20, (m) => m.chatId === chat.id);
    const live = await send(a, chat.id, 'live 21');
    await b1.waitFor<Message>('message:new', (m) => m.id === live.id);
    expect(seqsOf(b1, chat.id)).toEqual(range(1, 21));
    expect(messagesOf(b1, chat.id)[0].body).toBe('offline 1');
    b1.close();

    // Never acked: everything again.
    const b2 = await connect(bob);
    await b2.waitForCount<Message>('message:new', 21, (m) => m.chatId === chat.id);
    expect(seqsOf(b2, chat.id)).toEqual(range(1, 21));
    expect(await b2.emitAck('message:delivered', { chatId: chat.id, upToSeq: 15 })).toEqual({
      ok: true,
      eventSeq: expect.any(Number),
    });
    b2.close();

    // Acked up to 15: only 16..21 come again.
    const b3 = await connect(bob);
    await b3.waitForCount<Message>('message:new', 6, (m) => m.chatId === chat.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(seqsOf(b3, chat.id)).toEqual(range(16, 21));
    await b3.emitAck('message:delivered', { chatId: chat.id, upToSeq: 21 });
    b3.close();

    const b4 = await connect(bob);
    await new Promise((r) => setTimeout(r, 500));
    expect(seqsOf(b4, chat.id)).toEqual([]);
  });

  it("the sender's own messages are replayed to its second device", async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(alice);
    const chat = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    await send(a, chat.id, 'mine 1');
    await send(a, chat.id, 'mine 2');
    const phone = await connect(alice);
    await phone.waitForCount<Message>('message:new', 2, (m) => m.chatId === chat.id);
    expect(seqsOf(phone, chat.id)).toEqual([1, 2]);
  });

  it('5,000 missed messages replay in pages, in order, exactly once, while 50 live ones arrive', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const a = await connect(alice);
    const chat = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    const total = 5000;
    for (let i = 0; i < total; i += 250) {
      await Promise.all(range(i + 1, i + 250).map((n) => send(a, chat.id, `bulk ${n}`, `bulk-${n}`)));
    }

    const started = Date.now();
    const b = await connect(bob);
    // Live traffic during the replay.
    const live: Promise<Message>[] = [];
    for (let i = 1; i <= 50; i++) {
      live.push(send(a, chat.id, `during replay ${i}`, `live-${i}`));
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(live);
    const got = await b.waitForCount<Message>('message:new', total + 50, (m) => m.chatId === chat.id, 120_000);
    const elapsed = Date.now() - started;
    expect(got.map((m) => m.seq)).toEqual(range(1, total + 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(seqsOf(b, chat.id).length).toBe(total + 50);
    process.stdout.write(`replay: ${total + 50} messages to one client in ${elapsed} ms\n`);
  }, 240_000);
});
