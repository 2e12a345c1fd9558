import { randomUUID } from 'node:crypto';
import type { Chat, ChatSummary } from '@parley/contracts';
import { http, registerUser, TestSocket, type TestUser } from '@parley/shared/testing';
import { FaultStack, report } from './support/fault-stack';

type Ack = { ok: boolean; error?: { code: string; message: string } };
const codeOf = (a: Ack) => (a.ok ? 'ok' : (a.error?.code ?? '?'));
const tally = (codes: string[]) => codes.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {});

/**
 * Issue 14's two reports, as a user found them on a fresh `npm start`, with production limits:
 * answers that grew with the data (a chat list of 12 groups of 1,024 members passed NATS's
 * 1 MiB and killed message-store) and batches budgeted in UTF-8 instead of wire bytes (a burst
 * of 4,096 x U+0001 bodies, 6 bytes each in JSON, failed whole batches with other users' sends).
 */
describe('bounded answers: no request grows past a limit', () => {
  let fs: FaultStack;
  let gw1: string;
  let gw2: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    fs = await FaultStack.start({ label: 'bounded-answers', limits: 'production' });
    [gw1, gw2] = fs.gatewayUrls;
  }, 180_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await fs?.stop();
  });

  const connect = async (url: string, u: TestUser) => {
    const s = await TestSocket.connect(url, u.token);
    sockets.push(s);
    return s;
  };

  it('a member of 12 groups of 1,024 members gets the chat list in pages, fast; message-store stays up', async () => {
    const pidsBefore = fs.pids();
    const owner = await registerUser(fs.authUrl, 'crowd');
    const member = await registerUser(fs.authUrl, 'member');
    // 1,022 more accounts straight into auth's table: registering them over HTTP would only
    // measure scrypt (and the registration throttle), not the answers under test.
    const extra = Array.from({ length: 1022 }, () => randomUUID());
    await fs.query(
      `INSERT INTO auth.users (id, username, display_name, password_hash)
       SELECT id, 'crowd_' || replace(id::text, '-', ''), 'crowd', 'x' FROM unnest($1::uuid[]) AS t(id)`,
      [extra],
    );
    const memberIds = [member.user.id, ...extra];
    const groups: Chat[] = [];
    for (let g = 0; g < 12; g++) {
      const res = await http<Chat>(gw1, 'POST', '/v1/chats', {
        token: owner.token,
        body: { type: 'group', title: `crowd ${g}`, memberIds },
      });
      expect(res.status).toBe(201);
      expect(res.body.members).toHaveLength(1024);
      groups.push(res.body);
    }

    const timings: number[] = [];
    let entries: ChatSummary[] = [];
    for (const [who, url] of [
      [member, gw1],
      [owner, gw2],
      [member, gw2],
    ] as const) {
      const started = Date.now();
      const res = await http<ChatSummary[]>(url, 'GET', '/v1/chats', { token: who.token });
      timings.push(Date.now() - started);
      expect(res.status).toBe(200);
      entries = res.body;
      expect(entries.map((c) => c.id).sort()).toEqual(groups.map((c) => c.id).sort());
      for (const entry of entries) {
        expect(entry.memberCount).toBe(1024);
        expect(entry.members).toHaveLength(32);
      }
    }
    // Paging: 5 per page, Next-Cursor until the last page.
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await http<ChatSummary[]>(
        gw1,
        'GET',
        `/v1/chats?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token: member.token },
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.map((c) => c.id));
      cursor = res.headers.get('next-cursor') ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(entries.map((c) => c.id));
    // The whole chat still has every member.
    const full = await http<Chat>(gw1, 'GET', `/v1/chats/${groups[0].id}`, { token: member.token });
    expect(full.body.members).toHaveLength(1024);
    expect((await http(gw1, 'GET', '/v1/chats?limit=201', { token: member.token })).status).toBe(400);
    expect((await http(gw1, 'GET', '/v1/chats?cursor=not-ours', { token: member.token })).status).toBe(400);

    expect(Math.max(...timings)).toBeLessThan(500);
    expect(fs.pids()).toEqual(pidsBefore);
    expect(Object.values(fs.restarts()).every((n) => n === 0)).toBe(true);
    report({
      scenario: 'bounded-chat-list',
      groups: 12,
      membersPerGroup: 1024,
      chatListMs: timings,
      pages,
      restarts: fs.restarts(),
    });
  });

  it('a burst of 90 bodies of 4,096 x U+0001 answers ok (or rate_limited) to the sender and ok to everyone else', async () => {
    const pidsBefore = fs.pids();
    const [sender, peer, ...others] = await Promise.all(
      Array.from({ length: 6 }, (_, i) => registerUser(fs.authUrl, `burst${i}`)),
    );
    const senderChat = (
      await http<Chat>(gw1, 'POST', '/v1/chats', {
        token: sender.token,
        body: { type: 'direct', memberIds: [peer.user.id] },
      })
    ).body;
    const otherChats = await Promise.all(
      others.map(
        async (u) =>
          (
            await http<Chat>(gw1, 'POST', '/v1/chats', {
              token: u.token,
              body: { type: 'direct', memberIds: [peer.user.id] },
            })
          ).body,
      ),
    );
    const s = await connect(gw1, sender);
    const os = await Promise.all(others.map((u) => connect(gw1, u)));
    await connect(gw2, peer);

    const heavy = '\u0001'.repeat(4096);
    const [burst, ...rest] = await Promise.all([
      Promise.all(
        Array.from(
          { length: 90 },
          (_, i) =>
            s.emitAck('message:send', { chatId: senderChat.id, clientMsgId: `b${i}`, body: heavy }) as Promise<Ack>,
        ),
      ),
      ...os.map((o, k) =>
        Promise.all(
          Array.from(
            { length: 10 },
            (_, i) =>
              o.emitAck('message:send', {
                chatId: otherChats[k].id,
                clientMsgId: `o${i}`,
                body: `hello ${i}`,
              }) as Promise<Ack>,
          ),
        ),
      ),
    ]);
    const burstCodes = tally(burst.map(codeOf));
    const otherCodes = tally(rest.flat().map(codeOf));
    expect(otherCodes).toEqual({ ok: 40 });
    expect(Object.keys(burstCodes).filter((c) => c !== 'ok' && c !== 'rate_limited' && c !== 'invalid')).toEqual([]);
    expect(burstCodes['ok']).toBeGreaterThan(0);
    const stored = await fs.query<{ n: string }>(
      `SELECT count(*) AS n FROM message_store.messages WHERE chat_id = $1`,
      [senderChat.id],
    );
    expect(Number(stored[0].n)).toBe(burstCodes['ok']);
    expect(fs.pids()).toEqual(pidsBefore);
    report({ scenario: 'bounded-burst', burst: burstCodes, others: otherCodes, restarts: fs.restarts() });
  });
});
