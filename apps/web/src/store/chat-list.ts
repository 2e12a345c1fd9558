import type { Chat, ChatSummary, Message } from '@parley/contracts/client';

export interface ChatEntry {
  chat: Chat;
  lastMessage: Message | null;
  unreadCount: number;
  muted: boolean;
  /** Highest seq the list has accounted for (unreadCount counts up to it). */
  knownSeq: number;
  /** False for a list entry of a group with more than 32 members: open it to load them all. */
  membersComplete: boolean;
}

export function entryFromSummary(s: ChatSummary): ChatEntry {
  const { lastMessage, unreadCount, muted, memberCount, ...rest } = s;
  const chat: Chat = {
    id: rest.id,
    type: rest.type,
    title: rest.title,
    members: rest.members,
    createdAt: rest.createdAt,
    lastSeq: rest.lastSeq,
  };
  const membersComplete = rest.members.length >= (memberCount ?? 0);
  return {
    chat,
    lastMessage,
    unreadCount,
    muted,
    knownSeq: Math.max(rest.lastSeq, lastMessage?.seq ?? 0),
    membersComplete,
  };
}

export function newEntry(chat: Chat): ChatEntry {
  return { chat, lastMessage: null, unreadCount: 0, muted: false, knownSeq: chat.lastSeq, membersComplete: true };
}

/** Most recent activity first: the latest message, or the creation when there is none (docs/protocol.md's order). */
export function sortChats(entries: ChatEntry[]): ChatEntry[] {
  const at = (e: ChatEntry) => Date.parse(e.lastMessage?.createdAt ?? e.chat.createdAt);
  return [...entries].sort((a, b) => at(b) - at(a) || a.chat.id.localeCompare(b.chat.id));
}

/**
 * A message arrived (or was sent). Only seqs above what the list already counted raise the
 * unread count, so a replay of messages the server's unreadCount included is not counted twice.
 */
export function applyMessage(entry: ChatEntry, m: Message, opts: { own: boolean; reading: boolean }): ChatEntry {
  const fresh = m.seq > entry.knownSeq;
  const lastMessage = !entry.lastMessage || m.seq >= entry.lastMessage.seq ? m : entry.lastMessage;
  const unreadCount = fresh && !opts.own && !opts.reading ? entry.unreadCount + 1 : entry.unreadCount;
  return {
    ...entry,
    lastMessage,
    unreadCount,
    knownSeq: Math.max(entry.knownSeq, m.seq),
    chat: { ...entry.chat, lastSeq: Math.max(entry.chat.lastSeq, m.seq) },
  };
}

/** The user read up to upToSeq: what is left unread is only what came after (unknown here: none). */
export function applyRead(entry: ChatEntry, upToSeq: number): ChatEntry {
  return upToSeq >= entry.knownSeq ? { ...entry, unreadCount: 0 } : entry;
}

export function applyChat(entry: ChatEntry | undefined, chat: Chat): ChatEntry {
  return entry
    ? { ...entry, chat: { ...chat, lastSeq: Math.max(chat.lastSeq, entry.chat.lastSeq) }, membersComplete: true }
    : newEntry(chat);
}
