import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ChatMembersV1, ChatMembershipChangedV1, ParleyError, type ChatType } from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';

const TTL_MS = 60_000;
const MAX_CHATS = 100_000;

/**
 * Members per chat, for typing and limits: asked of message-store once, dropped when
 * any gateway announces a membership change (and after a minute regardless).
 */
@Injectable()
export class MembershipCache implements OnApplicationBootstrap {
  private readonly cache = new Map<string, { members: Set<string>; type?: ChatType; expires: number }>();

  constructor(private readonly bus: NatsBus) {}

  onApplicationBootstrap(): void {
    this.bus.subscribe(ChatMembershipChangedV1, ({ chatId }) => {
      this.cache.delete(chatId);
    });
  }

  /** The chat's members if userId is one of them; not_found / forbidden otherwise. */
  async membersFor(chatId: string, userId: string): Promise<Set<string>> {
    const hit = this.cache.get(chatId);
    if (hit && hit.expires > Date.now() && hit.members.has(userId)) return hit.members;
    const { memberIds, type } = await this.bus.request(ChatMembersV1, { chatId, userId });
    const members = new Set(memberIds);
    if (this.cache.size >= MAX_CHATS) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(chatId, { members, type, expires: Date.now() + TTL_MS });
    if (!members.has(userId)) throw new ParleyError('forbidden', 'not a member of this chat');
    return members;
  }

  /** The chat's type as the last membersFor() read it (a chat's type never changes). */
  typeOf(chatId: string): ChatType | undefined {
    return this.cache.get(chatId)?.type;
  }

  /** What this gateway knows without asking message-store (undefined: it would have to ask). */
  knownLocally(chatId: string, userId: string): 'member' | 'forbidden' | undefined {
    const hit = this.cache.get(chatId);
    if (!hit || hit.expires <= Date.now()) return undefined;
    return hit.members.has(userId) ? 'member' : 'forbidden';
  }

  /** Tells every gateway (this one included) that a chat's members changed. */
  announceChange(chatId: string): void {
    this.cache.delete(chatId);
    this.bus.publish(ChatMembershipChangedV1, { chatId });
  }
}
