import { ParleyError } from '@parley/contracts';
import type { ChatAccess, ChatRecord, MemberRecord } from '@parley/message-store/data-access-messages';

/** Unknown chat: not_found; a chat the caller is not in: forbidden (and nothing more). */
export function requireMember<T extends ChatAccess | ChatRecord>(chat: T | null, userId?: string): T {
  if (!chat) throw new ParleyError('not_found', 'no such chat');
  const isMember = 'isMember' in chat ? chat.isMember : chat.members.some((m) => m.userId === userId);
  if (!isMember) throw new ParleyError('forbidden', 'not a member of this chat');
  return chat;
}

export function memberOf(chat: ChatRecord, userId: string): MemberRecord | undefined {
  return chat.members.find((m) => m.userId === userId);
}
