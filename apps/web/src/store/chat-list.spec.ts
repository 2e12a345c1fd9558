import type { Chat, ChatSummary, Message } from '@parley/contracts/client';
import { testMessage } from '../testing/test-message';
import { applyMessage, applyRead, entryFromSummary, newEntry, sortChats } from './chat-list';

const chat = (id: string, createdAt: string, lastSeq = 0): Chat => ({
  id,
  type: 'direct',
  title: null,
  members: [],
  createdAt,
  lastSeq,
});
const msg = (chatId: string, seq: number, senderId = 'bob', createdAt = `2026-01-01T10:00:0${seq}.000Z`): Message =>
  testMessage({ chatId, seq, senderId, createdAt });

describe('chat list', () => {
  it("counts unread only for others' messages above what the server already counted", () => {
    const base = chat('a', '2026-01-01T09:00:00.000Z', 3);
    const summary: ChatSummary = {
      ...base,
      memberCount: base.members.length,
      lastMessage: msg('a', 3),
      unreadCount: 2,
      muted: false,
    };
    let e = entryFromSummary(summary);
    // the replay of 2 and 3 (already in unreadCount) changes nothing
    e = applyMessage(e, msg('a', 2), { own: false, reading: false });
    e = applyMessage(e, msg('a', 3), { own: false, reading: false });
    expect(e.unreadCount).toBe(2);
    expect(e.lastMessage?.seq).toBe(3);
    e = applyMessage(e, msg('a', 4), { own: false, reading: false });
    e = applyMessage(e, msg('a', 5, 'me'), { own: true, reading: false });
    expect([e.unreadCount, e.lastMessage?.seq, e.chat.lastSeq]).toEqual([3, 5, 5]);
    e = applyMessage(e, msg('a', 6), { own: false, reading: true });
    expect(e.unreadCount).toBe(3);
    expect(applyRead(e, 5).unreadCount).toBe(3);
    expect(applyRead(e, 6).unreadCount).toBe(0);
  });

  it('an older message never replaces the last one', () => {
    let e = newEntry(chat('a', '2026-01-01T09:00:00.000Z'));
    e = applyMessage(e, msg('a', 5), { own: false, reading: false });
    e = applyMessage(e, msg('a', 4), { own: false, reading: false });
    expect(e.lastMessage?.seq).toBe(5);
    expect(e.unreadCount).toBe(1);
  });

  it('sorts by latest message, else creation, newest first', () => {
    const quiet = newEntry(chat('quiet', '2026-01-02T00:00:00.000Z'));
    const busy = applyMessage(
      newEntry(chat('busy', '2025-12-01T00:00:00.000Z')),
      msg('busy', 1, 'x', '2026-01-03T00:00:00.000Z'),
      { own: false, reading: false },
    );
    const old = newEntry(chat('old', '2025-01-01T00:00:00.000Z'));
    expect(sortChats([old, quiet, busy]).map((e) => e.chat.id)).toEqual(['busy', 'quiet', 'old']);
  });
});
