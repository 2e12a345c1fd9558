import { Injectable } from '@nestjs/common';
import {
  ChatCreateV1,
  ChatGetV1,
  ChatListV1,
  ChatMemberRemoveV1,
  ChatMemberRoleV1,
  ChatMembersAddV1,
  ChatSettingsV1,
  ChatUpdateV1,
  MessageHistoryV1,
  Limits,
  ParleyError,
  ReceiptListV1,
  toChatEvent,
  type Chat,
  type ChatListReply,
  type HistoryPage,
  type MessageReceipt,
} from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { FanOutService } from '../delivery/fan-out.service';
import { MembershipCache } from './membership-cache';
import { requireUsers } from './require-users';

/** Chat management: asks message-store, then tells the members' connections. */
@Injectable()
export class ChatsService {
  constructor(
    private readonly bus: NatsBus,
    private readonly fanOut: FanOutService,
    private readonly membership: MembershipCache,
  ) {}

  async create(
    callerId: string,
    input: { type: 'direct' | 'group'; title?: string; memberIds: string[] },
  ): Promise<{ chat: Chat; created: boolean }> {
    const others = [...new Set(input.memberIds)].filter((id) => id !== callerId);
    if (input.type === 'direct') {
      if (input.memberIds.length !== 1)
        throw new ParleyError('invalid', 'memberIds: a direct chat has exactly one other member');
      if (others.length === 0)
        throw new ParleyError('invalid', 'memberIds: a direct chat with yourself is not allowed');
    } else if (others.length + 1 > Limits.groupMaxMembers) {
      throw new ParleyError('invalid', `memberIds: a group has at most ${Limits.groupMaxMembers} members`);
    }
    await this.requireUsers(others);
    const { chat, created, eventSeqs } = await this.bus.request(ChatCreateV1, {
      creatorId: callerId,
      type: input.type,
      title: input.type === 'group' ? input.title : undefined,
      memberIds: others,
    });
    if (created)
      await this.tell(
        chat.members.map((m) => m.userId),
        { kind: 'chat:new', chat },
        eventSeqsOf(chat, eventSeqs),
      );
    return { chat, created };
  }

  list(callerId: string, page: { limit?: number; cursor?: string }): Promise<ChatListReply> {
    return this.bus.request(ChatListV1, { userId: callerId, limit: page.limit, cursor: page.cursor });
  }

  get(callerId: string, chatId: string): Promise<Chat> {
    return this.bus.request(ChatGetV1, { chatId, userId: callerId });
  }

  async addMembers(callerId: string, chatId: string, userIds: string[]): Promise<Chat> {
    await this.requireUsers(userIds);
    const { chat, addedUserIds, eventSeqs } = await this.bus.request(ChatMembersAddV1, {
      chatId,
      actorId: callerId,
      userIds: [...new Set(userIds)],
    });
    if (addedUserIds.length > 0) {
      this.membership.announceChange(chatId);
      const added = new Set(addedUserIds);
      const seqs = eventSeqsOf(chat, eventSeqs);
      await this.tell(addedUserIds, { kind: 'chat:new', chat }, seqs);
      await this.tell(
        chat.members.map((m) => m.userId).filter((id) => !added.has(id)),
        { kind: 'chat:updated', chat },
        seqs,
      );
    }
    return chat;
  }

  async removeMember(callerId: string, chatId: string, userId: string): Promise<void> {
    const { chat, removedUserId, removedEventSeq, eventSeqs } = await this.bus.request(ChatMemberRemoveV1, {
      chatId,
      actorId: callerId,
      userId,
    });
    this.membership.announceChange(chatId);
    await this.tell(
      [removedUserId],
      { kind: 'chat:removed', chatId },
      new Map(removedEventSeq ? [[removedUserId, removedEventSeq]] : []),
    );
    await this.tell(
      chat.members.map((m) => m.userId),
      { kind: 'chat:updated', chat },
      eventSeqsOf(chat, eventSeqs),
    );
  }

  async rename(callerId: string, chatId: string, title: string): Promise<Chat> {
    const { eventSeqs, ...chat } = await this.bus.request(ChatUpdateV1, { chatId, actorId: callerId, title });
    await this.tell(
      chat.members.map((m) => m.userId),
      { kind: 'chat:updated', chat },
      eventSeqsOf(chat, eventSeqs),
    );
    return chat;
  }

  async setRole(callerId: string, chatId: string, userId: string, role: 'admin' | 'member'): Promise<Chat> {
    const { eventSeqs, ...chat } = await this.bus.request(ChatMemberRoleV1, {
      chatId,
      actorId: callerId,
      userId,
      role,
    });
    // No change (the role it had): no event.
    if (eventSeqs)
      await this.tell(
        chat.members.map((m) => m.userId),
        { kind: 'chat:updated', chat },
        eventSeqsOf(chat, eventSeqs),
      );
    return chat;
  }

  settings(callerId: string, chatId: string, muted: boolean) {
    return this.bus.request(ChatSettingsV1, { chatId, userId: callerId, muted });
  }

  history(
    callerId: string,
    chatId: string,
    q: { before?: number; after?: number; limit?: number },
  ): Promise<HistoryPage> {
    if (q.before !== undefined && q.after !== undefined)
      throw new ParleyError('invalid', 'use at most one of before and after');
    return this.bus.request(MessageHistoryV1, {
      chatId,
      userId: callerId,
      before: q.before,
      after: q.after,
      limit: q.limit ?? 50,
    });
  }

  receipts(callerId: string, chatId: string, seq: number): Promise<MessageReceipt[]> {
    return this.bus.request(ReceiptListV1, { chatId, userId: callerId, seq });
  }

  private requireUsers(userIds: string[]): Promise<void> {
    return requireUsers(this.bus, userIds);
  }

  /**
   * Chat events are best effort live (the HTTP answer carries the truth, and the event stream
   * has them stored); each recipient's eventSeq rides along when the store gave one.
   */
  private async tell(
    userIds: string[],
    delivery: { kind: 'chat:new' | 'chat:updated'; chat: Chat } | { kind: 'chat:removed'; chatId: string },
    eventSeqs: Map<string, number>,
  ): Promise<void> {
    const seqs = userIds.map((id) => eventSeqs.get(id) ?? 0);
    // Bounded: a 1,024-member group's events carry 32 members and memberCount (GET /v1/chats/:id has all).
    const bounded = delivery.kind === 'chat:removed' ? delivery : { ...delivery, chat: toChatEvent(delivery.chat) };
    await this.fanOut
      .route(userIds, seqs.every((s) => s > 0) ? { ...bounded, eventSeqs: seqs } : bounded)
      .catch(() => undefined);
  }
}

/** userId -> eventSeq of a chat change (the store aligns eventSeqs with chat.members). */
function eventSeqsOf(chat: Chat, eventSeqs: number[] | undefined): Map<string, number> {
  if (!eventSeqs || eventSeqs.length !== chat.members.length) return new Map();
  return new Map(chat.members.map((m, i) => [m.userId, eventSeqs[i]]));
}
