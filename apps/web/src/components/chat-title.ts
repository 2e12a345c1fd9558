import type { Chat } from '@parley/contracts/client';
import type { AppStore } from '../store/app-store';

/** A group's title, or the other member's name in a direct chat. */
export function chatTitle(store: AppStore, chat: Chat, meId: string): string {
  if (chat.type === 'group') return chat.title ?? 'Group';
  const other = chat.members.find((m) => m.userId !== meId);
  return other ? store.nameOf(other.userId) : 'Just you';
}

export function otherMember(chat: Chat, meId: string): string | null {
  if (chat.type !== 'direct') return null;
  return chat.members.find((m) => m.userId !== meId)?.userId ?? null;
}
