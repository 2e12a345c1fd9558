import { randomUUID } from 'node:crypto';
import {
  ChatCreateV1,
  ChatGetV1,
  ChatListV1,
  ChatMemberRemoveV1,
  ChatMemberRoleV1,
  ChatMembersAddV1,
  ChatMembersV1,
  ChatSettingsV1,
  ChatUpdateV1,
  ReceiptListV1,
  ReceiptMoveV1,
  SharesChatV1,
  UserCursorsV1,
  jsonBytes,
  Limits,
  ReplyBudget,
  type Chat,
} from '@parley/contracts';
import { createDirect, createGroup, errorOf, newUserId, send, useMessageStore } from '../testing/message-store.harness';

const ids = (chat: Chat) => chat.members.map((m) => m.userId);
const roleOf = (chat: Chat, userId: string) => chat.members.find((m) => m.userId === userId)?.role;
const codeOf = async (work: Promise<unknown>) => (await errorOf(work)).code;

describe('chat.* (real PostgreSQL + NATS)', () => {
  const h = useMessageStore();

  describe('create', () => {
    it('direct: one chat per unordered pair, no admins, no title', async () => {
      const [alice, bob] = [newUserId(), newUserId()];
      const first = await h.bus.request(ChatCreateV1, { creatorId: alice, type: 'direct', memberIds: [bob] });
      expect(first.created).toBe(true);
      expect(first.chat).toMatchObject({ type: 'direct', title: null, lastSeq: 0 });
      expect(first.chat.members.map((m) => m.role)).toEqual(['member', 'member']);
      expect(ids(first.chat).sort()).toEqual([alice, bob].sort());
      const again = await h.bus.request(ChatCreateV1, {
        creatorId: bob,
        type: 'direct',
        memberIds: [alice.toUpperCase()],
      });
      expect(again).toEqual({ chat: first.chat, created: false });
    });

    it('direct: concurrent creations of one pair all get the same chat', async () => {
      const [alice, bob] = [newUserId(), newUserId()];
      const replies = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          h.bus.request(ChatCreateV1, {
            creatorId: i % 2 ? alice : bob,
            type: 'direct',
            memberIds: [i % 2 ? bob : alice],
          }),
        ),
      );
      expect(new Set(replies.map((r) => r.chat.id)).size).toBe(1);
      expect(replies.filter((r) => r.created)).toHaveLength(1);
    });

    it('direct: invalid with oneself, with two others, or with a title', async () => {
      const [alice, bob, carol] = [newUserId(), newUserId(), newUserId()];
      expect(await codeOf(h.bus.request(ChatCreateV1, { creatorId: alice, type: 'direct', memberIds: [alice] }))).toBe(
        'invalid',
      );
      expect(await codeOf(h.bus.request(ChatCreateV1, { creatorId: alice, type: 'direct', memberIds: [] }))).toBe(
        'invalid',
      );
      expect(
        await codeOf(h.bus.request(ChatCreateV1, { creatorId: alice, type: 'direct', memberIds: [bob, carol] })),
      ).toBe('invalid');
      expect(
        await codeOf(h.bus.request(ChatCreateV1, { creatorId: alice, type: 'direct', title: 'x', memberIds: [bob] })),
      ).toBe('invalid');
    });

    it('group: the creator is admin; title 1-100 code points; at most 1024 members with the creator', async () => {
      const alice = newUserId();
      const others = Array.from({ length: 1023 }, () => newUserId());
      const big = await h.bus.request(ChatCreateV1, {
        creatorId: alice,
        type: 'group',
        title: '🎉'.repeat(100),
        memberIds: [alice, ...others],
      });
      expect(big.chat.members).toHaveLength(1024);
      expect(big.chat.title).toBe('🎉'.repeat(100));
      expect(roleOf(big.chat, alice)).toBe('admin');
      expect(big.chat.members.filter((m) => m.role === 'admin')).toHaveLength(1);

      const tooMany = h.bus.request(ChatCreateV1, {
        creatorId: alice,
        type: 'group',
        title: 't',
        memberIds: [...others, newUserId()],
      });
      expect(await codeOf(tooMany)).toBe('invalid');
      for (const title of ['', 'x'.repeat(101), undefined, 7]) {
        const r = h.bus.request(ChatCreateV1, {
          creatorId: alice,
          type: 'group',
          title: title as string,
          memberIds: [],
        });
        expect(await codeOf(r)).toBe('invalid');
      }
      expect(
        await codeOf(
          h.bus.request(ChatCreateV1, { creatorId: alice, type: 'channel' as 'group', title: 't', memberIds: [] }),
        ),
      ).toBe('invalid');
      expect(
        await codeOf(h.bus.request(ChatCreateV1, { creatorId: alice, type: 'group', title: 't', memberIds: ['nope'] })),
      ).toBe('invalid');
      const solo = await createGroup(h.bus, alice, [], 'just me');
      expect(ids(solo)).toEqual([alice]);
    });
  });

  describe('get / members / settings', () => {
    it('answers members; forbidden to others; not_found for unknown chats; invalid for bad ids', async () => {
      const [alice, bob, mallory] = [newUserId(), newUserId(), newUserId()];
      const chat = await createGroup(h.bus, alice, [bob]);
      expect(await h.bus.request(ChatGetV1, { chatId: chat.id, userId: bob })).toEqual(chat);
      expect(await codeOf(h.bus.request(ChatGetV1, { chatId: chat.id, userId: mallory }))).toBe('forbidden');
      expect(await codeOf(h.bus.request(ChatGetV1, { chatId: randomUUID(), userId: mallory }))).toBe('not_found');
      expect(await codeOf(h.bus.request(ChatGetV1, { chatId: 'x', userId: alice }))).toBe('invalid');

      expect((await h.bus.request(ChatMembersV1, { chatId: chat.id, userId: bob })).memberIds.sort()).toEqual(
        [alice, bob].sort(),
      );
      expect(await codeOf(h.bus.request(ChatMembersV1, { chatId: chat.id, userId: mallory }))).toBe('forbidden');
      expect(await codeOf(h.bus.request(ChatMembersV1, { chatId: randomUUID(), userId: alice }))).toBe('not_found');

      expect(await h.bus.request(ChatSettingsV1, { chatId: chat.id, userId: bob, muted: true })).toEqual({
        chatId: chat.id,
        muted: true,
      });
      expect(await codeOf(h.bus.request(ChatSettingsV1, { chatId: chat.id, userId: mallory, muted: true }))).toBe(
        'forbidden',
      );
      expect(await codeOf(h.bus.request(ChatSettingsV1, { chatId: randomUUID(), userId: bob, muted: true }))).toBe(
        'not_found',
      );
      expect(
        await codeOf(
          h.bus.request(ChatSettingsV1, { chatId: chat.id, userId: bob, muted: 'yes' as unknown as boolean }),
        ),
      ).toBe('invalid');
      const list = (await h.bus.request(ChatListV1, { userId: bob })).chats;
      expect(list.find((c) => c.id === chat.id)?.muted).toBe(true);
    });
  });

  describe('list', () => {
    it('sorts by latest message, else creation time; counts unread messages of others only', async () => {
      const [alice, bob, carol] = [newUserId(), newUserId(), newUserId()];
      const older = await createDirect(h.bus, alice, bob);
      const group = await createGroup(h.bus, alice, [bob, carol], 'g');
      const empty = await createDirect(h.bus, alice, carol);
      expect((await h.bus.request(ChatListV1, { userId: alice })).chats.map((c) => c.id)).toEqual([
        empty.id,
        group.id,
        older.id,
      ]);

      await send(h.bus, older.id, bob, 'b1');
      await send(h.bus, older.id, bob, 'b2');
      await send(h.bus, older.id, alice, 'a1');
      let list = (await h.bus.request(ChatListV1, { userId: alice })).chats;
      expect(list.map((c) => c.id)).toEqual([older.id, empty.id, group.id]);
      const summary = list[0];
      expect(summary).toMatchObject({
        id: older.id,
        type: 'direct',
        lastSeq: 3,
        unreadCount: 2,
        muted: false,
        memberCount: 2,
      });
      expect(summary.lastMessage).toMatchObject({ seq: 3, body: 'a1', senderId: alice });
      expect(list.find((c) => c.id === empty.id)).toMatchObject({ lastMessage: null, unreadCount: 0 });
      // The sender's own message does not count for the sender, and sending moves no watermark of theirs.
      expect((await h.bus.request(ChatListV1, { userId: bob })).chats.find((c) => c.id === older.id)?.unreadCount).toBe(
        1,
      );

      await send(h.bus, group.id, carol, 'c1');
      list = (await h.bus.request(ChatListV1, { userId: alice })).chats;
      expect(list.map((c) => c.id)).toEqual([group.id, older.id, empty.id]);
      await h.bus.request(ReceiptMoveV1, { chatId: older.id, userId: alice, type: 'read', upToSeq: 1 });
      list = (await h.bus.request(ChatListV1, { userId: alice })).chats;
      expect(list.find((c) => c.id === older.id)?.unreadCount).toBe(1);
      expect(await h.bus.request(ChatListV1, { userId: newUserId() })).toEqual({ chats: [], nextCursor: null });
    });
  });

  describe('list paging and bounds', () => {
    it('pages with an opaque cursor: every chat once, in order, with no cursor on the last page', async () => {
      const alice = newUserId();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await createDirect(h.bus, alice, newUserId())).id);
      await send(h.bus, ids[2], alice, 'moves chat 2 to the top');
      const all = (await h.bus.request(ChatListV1, { userId: alice })).chats.map((c) => c.id);
      expect(all[0]).toBe(ids[2]);
      expect(new Set(all)).toEqual(new Set(ids));

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await h.bus.request(ChatListV1, { userId: alice, limit: 3, cursor });
        expect(page.chats.length).toBeLessThanOrEqual(3);
        seen.push(...page.chats.map((c) => c.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(all);
    });

    it('refuses a limit outside 1-200 and a cursor it did not give out', async () => {
      const alice = newUserId();
      for (const limit of [0, 201, 1.5, '10' as unknown as number]) {
        expect(await codeOf(h.bus.request(ChatListV1, { userId: alice, limit }))).toBe('invalid');
      }
      for (const cursor of [
        'nope',
        Buffer.from('1.x').toString('base64url'),
        'a'.repeat(200),
        5 as unknown as string,
      ]) {
        expect(await codeOf(h.bus.request(ChatListV1, { userId: alice, cursor }))).toBe('invalid');
      }
    });

    it('shows the first 32 members by joinedAt and the count; the chat itself has them all', async () => {
      const alice = newUserId();
      const others = Array.from({ length: 40 }, () => newUserId());
      const group = await createGroup(h.bus, alice, others, 'forty-one');
      const entry = (await h.bus.request(ChatListV1, { userId: alice })).chats[0];
      expect(entry.memberCount).toBe(41);
      expect(entry.members).toHaveLength(32);
      const full = await h.bus.request(ChatGetV1, { chatId: group.id, userId: alice });
      expect(full.members).toHaveLength(41);
      expect(entry.members).toEqual(full.members.slice(0, 32));
    });

    it('cuts a page at the reply budget when its entries are large, and the cursor goes on from there', async () => {
      const alice = newUserId();
      const heavy = '\u0001'.repeat(Limits.bodyMaxCodePoints); // 24 KiB of JSON each
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const chat = await createDirect(h.bus, alice, newUserId());
        await send(h.bus, chat.id, alice, heavy);
        ids.push(chat.id);
      }
      const first = await h.bus.request(ChatListV1, { userId: alice, limit: 40 });
      expect(first.chats.length).toBeLessThan(40);
      expect(jsonBytes(first)).toBeLessThanOrEqual(ReplyBudget.bytes);
      expect(first.nextCursor).toEqual(expect.any(String));
      const rest = await h.bus.request(ChatListV1, { userId: alice, limit: 40, cursor: first.nextCursor ?? undefined });
      expect([...first.chats, ...rest.chats].map((c) => c.id).sort()).toEqual([...ids].sort());
      expect(rest.nextCursor).toBeNull();
    });

    it('answers bounded by the 1,024-member limit stay whole and far under the reply budget', async () => {
      const alice = newUserId();
      const others = Array.from({ length: Limits.groupMaxMembers - 1 }, () => newUserId());
      const group = await createGroup(h.bus, alice, others, 'full');
      await send(h.bus, group.id, alice, 'hello');
      const chat = await h.bus.request(ChatGetV1, { chatId: group.id, userId: alice });
      const members = await h.bus.request(ChatMembersV1, { chatId: group.id, userId: alice });
      const receipts = await h.bus.request(ReceiptListV1, { chatId: group.id, userId: alice, seq: 1 });
      expect([chat.members.length, members.memberIds.length, receipts.length]).toEqual([1024, 1024, 1023]);
      for (const answer of [chat, members, receipts]) expect(jsonBytes(answer)).toBeLessThan(ReplyBudget.bytes / 4);
    });

    it('pages user cursors by chat id', async () => {
      const alice = newUserId();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createDirect(h.bus, alice, newUserId())).id);
      const first = await h.bus.request(UserCursorsV1, { userId: alice, limit: 3 });
      expect(first.chats).toHaveLength(3);
      const second = await h.bus.request(UserCursorsV1, {
        userId: alice,
        limit: 3,
        afterChatId: first.nextAfterChatId ?? undefined,
      });
      expect(second.nextAfterChatId).toBeNull();
      expect([...first.chats, ...second.chats].map((c) => c.chatId)).toEqual([...ids].sort());
      expect(await codeOf(h.bus.request(UserCursorsV1, { userId: alice, limit: 1001 }))).toBe('invalid');
    });
  });

  describe('members add / remove / roles / title', () => {
    it('admins add members (new ones only reported, starting at the current lastSeq); others may not', async () => {
      const [alice, bob, carol, dave, mallory] = [newUserId(), newUserId(), newUserId(), newUserId(), newUserId()];
      const chat = await createGroup(h.bus, alice, [bob]);
      await send(h.bus, chat.id, alice, 'before carol');
      const added = await h.bus.request(ChatMembersAddV1, { chatId: chat.id, actorId: alice, userIds: [bob, carol] });
      expect(added.addedUserIds).toEqual([carol]);
      // Ordered by joinedAt, then user id: the creation's members first, carol last.
      expect(ids(added.chat)).toEqual([...[alice, bob].sort(), carol]);
      expect(roleOf(added.chat, carol)).toBe('member');
      const carolCursor = (await h.bus.request(UserCursorsV1, { userId: carol })).chats.find(
        (c) => c.chatId === chat.id,
      );
      expect(carolCursor).toEqual({ chatId: chat.id, lastSeq: 1, deliveredSeq: 1, readSeq: 1 });

      expect(await codeOf(h.bus.request(ChatMembersAddV1, { chatId: chat.id, actorId: bob, userIds: [dave] }))).toBe(
        'forbidden',
      );
      expect(
        await codeOf(h.bus.request(ChatMembersAddV1, { chatId: chat.id, actorId: mallory, userIds: [dave] })),
      ).toBe('forbidden');
      expect(
        await codeOf(h.bus.request(ChatMembersAddV1, { chatId: randomUUID(), actorId: alice, userIds: [dave] })),
      ).toBe('not_found');
      expect(await codeOf(h.bus.request(ChatMembersAddV1, { chatId: chat.id, actorId: alice, userIds: [] }))).toBe(
        'invalid',
      );
      // invalid before not_found
      expect(
        await codeOf(h.bus.request(ChatMembersAddV1, { chatId: randomUUID(), actorId: alice, userIds: ['x'] })),
      ).toBe('invalid');
      const direct = await createDirect(h.bus, alice, bob);
      expect(
        await codeOf(h.bus.request(ChatMembersAddV1, { chatId: direct.id, actorId: alice, userIds: [dave] })),
      ).toBe('forbidden');
    });

    it('adding beyond 1024 members is a conflict', async () => {
      const alice = newUserId();
      const chat = await createGroup(
        h.bus,
        alice,
        Array.from({ length: 1022 }, () => newUserId()),
      );
      const r = await h.bus.request(ChatMembersAddV1, { chatId: chat.id, actorId: alice, userIds: [newUserId()] });
      expect(r.chat.members).toHaveLength(1024);
      expect(
        await codeOf(h.bus.request(ChatMembersAddV1, { chatId: chat.id, actorId: alice, userIds: [newUserId()] })),
      ).toBe('conflict');
    });

    it('an admin removes anyone, a member only themself; direct chats have fixed members', async () => {
      const [alice, bob, carol, mallory] = [newUserId(), newUserId(), newUserId(), newUserId()];
      const chat = await createGroup(h.bus, alice, [bob, carol]);
      expect(await codeOf(h.bus.request(ChatMemberRemoveV1, { chatId: chat.id, actorId: bob, userId: carol }))).toBe(
        'forbidden',
      );
      expect(
        await codeOf(h.bus.request(ChatMemberRemoveV1, { chatId: chat.id, actorId: mallory, userId: mallory })),
      ).toBe('forbidden');
      expect(
        await codeOf(h.bus.request(ChatMemberRemoveV1, { chatId: chat.id, actorId: alice, userId: mallory })),
      ).toBe('not_found');
      expect(
        await codeOf(h.bus.request(ChatMemberRemoveV1, { chatId: randomUUID(), actorId: alice, userId: bob })),
      ).toBe('not_found');

      const left = await h.bus.request(ChatMemberRemoveV1, { chatId: chat.id, actorId: bob, userId: bob });
      expect(left.removedUserId).toBe(bob);
      expect(ids(left.chat)).toEqual([alice, carol].sort());
      const kicked = await h.bus.request(ChatMemberRemoveV1, { chatId: chat.id, actorId: alice, userId: carol });
      expect(ids(kicked.chat)).toEqual([alice]);
      expect(await codeOf(h.bus.request(ChatGetV1, { chatId: chat.id, userId: carol }))).toBe('forbidden');
      expect(await codeOf(send(h.bus, chat.id, carol, 'still here?'))).toBe('forbidden');
      // After a removal the append reply's memberIds no longer hold the removed.
      expect((await send(h.bus, chat.id, alice, 'alone')).memberIds).toEqual([alice]);

      const direct = await createDirect(h.bus, alice, bob);
      expect(await codeOf(h.bus.request(ChatMemberRemoveV1, { chatId: direct.id, actorId: bob, userId: bob }))).toBe(
        'forbidden',
      );
    });

    it('when the last admin leaves, the longest-standing member becomes admin (ties: lowest user id)', async () => {
      const admin = newUserId();
      const early = [newUserId(), newUserId(), newUserId()];
      const chat = await createGroup(h.bus, admin, early);
      const late = newUserId();
      await h.bus.request(ChatMembersAddV1, { chatId: chat.id, actorId: admin, userIds: [late] });
      const after = await h.bus.request(ChatMemberRemoveV1, { chatId: chat.id, actorId: admin, userId: admin });
      const lowest = [...early].sort()[0];
      expect(after.chat.members.filter((m) => m.role === 'admin').map((m) => m.userId)).toEqual([lowest]);

      // The new admin leaves: the next longest-standing (still among the early ones) takes over.
      const next = await h.bus.request(ChatMemberRemoveV1, { chatId: chat.id, actorId: lowest, userId: lowest });
      expect(next.chat.members.filter((m) => m.role === 'admin').map((m) => m.userId)).toEqual([[...early].sort()[1]]);
    });

    it('a group whose last member leaves keeps its history and is reachable by nobody', async () => {
      const [alice, bob] = [newUserId(), newUserId()];
      const chat = await createGroup(h.bus, alice, [bob]);
      await send(h.bus, chat.id, bob, 'bye');
      await h.bus.request(ChatMemberRemoveV1, { chatId: chat.id, actorId: alice, userId: alice });
      const last = await h.bus.request(ChatMemberRemoveV1, { chatId: chat.id, actorId: bob, userId: bob });
      expect(last.chat.members).toEqual([]);
      for (const user of [alice, bob, newUserId()]) {
        expect(await codeOf(h.bus.request(ChatGetV1, { chatId: chat.id, userId: user }))).toBe('forbidden');
      }
      const rows = await h.sql.query(`SELECT count(*)::int AS n FROM message_store.messages WHERE chat_id = $1`, [
        chat.id,
      ]);
      expect(rows.rows[0].n).toBe(1);
    });

    it('admins rename; members and direct chats may not; the title is checked first', async () => {
      const [alice, bob, mallory] = [newUserId(), newUserId(), newUserId()];
      const chat = await createGroup(h.bus, alice, [bob], 'old');
      expect((await h.bus.request(ChatUpdateV1, { chatId: chat.id, actorId: alice, title: 'new ✨' })).title).toBe(
        'new ✨',
      );
      expect(await codeOf(h.bus.request(ChatUpdateV1, { chatId: chat.id, actorId: bob, title: 'mine' }))).toBe(
        'forbidden',
      );
      expect(await codeOf(h.bus.request(ChatUpdateV1, { chatId: chat.id, actorId: mallory, title: 'mine' }))).toBe(
        'forbidden',
      );
      expect(await codeOf(h.bus.request(ChatUpdateV1, { chatId: randomUUID(), actorId: alice, title: 'x' }))).toBe(
        'not_found',
      );
      expect(await codeOf(h.bus.request(ChatUpdateV1, { chatId: randomUUID(), actorId: alice, title: '' }))).toBe(
        'invalid',
      );
      expect(
        await codeOf(h.bus.request(ChatUpdateV1, { chatId: chat.id, actorId: alice, title: 'x'.repeat(101) })),
      ).toBe('invalid');
      const direct = await createDirect(h.bus, alice, bob);
      expect(await codeOf(h.bus.request(ChatUpdateV1, { chatId: direct.id, actorId: alice, title: 'x' }))).toBe(
        'forbidden',
      );
    });

    it('admins promote and demote; a sole admin demoting themself is a conflict', async () => {
      const [alice, bob, carol, mallory] = [newUserId(), newUserId(), newUserId(), newUserId()];
      const chat = await createGroup(h.bus, alice, [bob, carol]);
      const change = (actorId: string, userId: string, role: 'admin' | 'member') =>
        h.bus.request(ChatMemberRoleV1, { chatId: chat.id, actorId, userId, role });
      expect(await codeOf(change(alice, alice, 'member'))).toBe('conflict');
      expect(await codeOf(change(bob, carol, 'admin'))).toBe('forbidden');
      expect(await codeOf(change(mallory, bob, 'admin'))).toBe('forbidden');
      expect(await codeOf(change(alice, mallory, 'admin'))).toBe('not_found');
      expect(await codeOf(change(alice, bob, 'owner' as 'admin'))).toBe('invalid');
      expect(roleOf(await change(alice, bob, 'admin'), bob)).toBe('admin');
      // Now alice is not the only admin: she may step down.
      const stepped = await change(alice, alice, 'member');
      expect(roleOf(stepped, alice)).toBe('member');
      expect(roleOf(await change(bob, carol, 'admin'), carol)).toBe('admin');
      expect(roleOf(await change(carol, bob, 'member'), bob)).toBe('member');
      const direct = await createDirect(h.bus, alice, bob);
      expect(
        await codeOf(
          h.bus.request(ChatMemberRoleV1, { chatId: direct.id, actorId: alice, userId: bob, role: 'admin' }),
        ),
      ).toBe('forbidden');
    });
  });

  describe('cursors / shares-chat', () => {
    it("lists the user's chats with watermarks, and who shares no chat", async () => {
      const [alice, bob, carol, stranger] = [newUserId(), newUserId(), newUserId(), newUserId()];
      const direct = await createDirect(h.bus, alice, bob);
      const group = await createGroup(h.bus, carol, [alice]);
      await send(h.bus, direct.id, bob, 'one');
      await send(h.bus, direct.id, bob, 'two');
      await h.bus.request(ReceiptMoveV1, { chatId: direct.id, userId: alice, type: 'delivered', upToSeq: 1 });
      const { chats } = await h.bus.request(UserCursorsV1, { userId: alice });
      expect(chats.sort((a, b) => a.chatId.localeCompare(b.chatId))).toEqual(
        [
          { chatId: direct.id, lastSeq: 2, deliveredSeq: 1, readSeq: 0 },
          { chatId: group.id, lastSeq: 0, deliveredSeq: 0, readSeq: 0 },
        ].sort((a, b) => a.chatId.localeCompare(b.chatId)),
      );
      expect(await h.bus.request(SharesChatV1, { userId: alice, otherUserIds: [bob, carol, alice] })).toEqual({
        strangers: [],
      });
      expect(await h.bus.request(SharesChatV1, { userId: bob, otherUserIds: [alice, carol, stranger] })).toEqual({
        strangers: [carol, stranger],
      });
      expect(await codeOf(h.bus.request(SharesChatV1, { userId: bob, otherUserIds: ['x'] }))).toBe('invalid');
    });
  });
});
