import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  ChatListLimits,
  toChatEvent,
  jsonBytes,
  Limits,
  ParleyError,
  ReplyBudget,
  UserCursorsLimits,
  type Chat,
  type ChatListReply,
  type ChatCreateReply,
  type ChatMemberRemoveReply,
  type ChatMembersAddReply,
  type ChatMembersReply,
  type ChatSettingsReply,
  type ChatSummary,
  type ChatChangeReply,
  type ChatEventSeqs,
  type SharesChatReply,
  type UserCursorsReply,
} from '@parley/contracts';
import {
  BlocksRepository,
  ChatsRepository,
  EventsRepository,
  toChat,
  type ChatListPosition,
  type ChatRecord,
  type ChatWriter,
  type UserEventEntry,
} from '@parley/message-store/data-access-messages';
import { memberOf, requireMember } from '../common/chat-access';
import {
  invalid,
  pageLimit,
  requireBoolean,
  requireObject,
  requireOneOf,
  requireText,
  requireUuid,
  requireUuidList,
} from '../common/request-checks';
import type { HeadsDigest } from '../heads/heads-digest';
import { HEADS_DIGEST } from '../heads/heads.publisher';

const requireTitle = (value: unknown) => requireText(value, 'title', 1, Limits.titleMaxCodePoints);

/**
 * Chat rules of docs/protocol.md. Checks answer in its order: invalid, not_found (chat),
 * forbidden (caller not a member: nothing more is revealed), not_found (target not a
 * member), forbidden (direct chat / not an admin), conflict.
 */
@Injectable()
export class ChatsService {
  constructor(
    private readonly chats: ChatsRepository,
    private readonly events: EventsRepository,
    private readonly blocks: BlocksRepository,
    @Optional() @Inject(HEADS_DIGEST) private readonly heads?: HeadsDigest,
  ) {}

  /** Joins go into the heads digest: a member whose chat:new was lost still gets the chat live. */
  private noteCreated(reply: ChatCreateReply, memberIds: string[]): ChatCreateReply {
    if (reply.created) this.heads?.joined(reply.chat.id, memberIds, reply.chat.lastSeq);
    return reply;
  }

  async create(req: unknown): Promise<ChatCreateReply> {
    const r = requireObject(req);
    const creatorId = requireUuid(r['creatorId'], 'creatorId');
    const type = requireOneOf(r['type'], 'type', ['direct', 'group'] as const);
    // The list may name the creator too; the exact member limit is checked below.
    const others = requireUuidList(r['memberIds'], 'memberIds', 2 * Limits.groupMaxMembers).filter(
      (id) => id !== creatorId,
    );

    if (type === 'direct') {
      if (r['title'] !== undefined && r['title'] !== null) throw invalid('a direct chat has no title');
      if (others.length === 0) throw invalid('a direct chat needs one other user (not yourself)');
      if (others.length > 1) throw invalid('a direct chat has exactly one other member');
      // Blocking: the blocked one cannot open (nor reopen) a direct chat with the blocker.
      if (await this.blocks.blocks(others[0], creatorId))
        throw new ParleyError('forbidden', 'you cannot write to this user');
      return this.chats
        .transaction(async (tx) => {
          const { chatId, created } = await tx.createDirect(creatorId, others[0]);
          const record = await this.mustLoad(tx, chatId);
          if (!created) return { chat: toChat(record), created };
          return { chat: toChat(record), created, ...(await this.chatEvents(tx, record, () => 'chat:new')) };
        })
        .then((reply) => this.noteCreated(reply, [creatorId, others[0]]));
    }

    const title = requireTitle(r['title']);
    if (others.length + 1 > Limits.groupMaxMembers) {
      throw invalid(`a group has at most ${Limits.groupMaxMembers} members, the creator included`);
    }
    return this.chats
      .transaction(async (tx) => {
        const chatId = await tx.createGroup(title, creatorId, others);
        const record = await this.mustLoad(tx, chatId);
        return { chat: toChat(record), created: true, ...(await this.chatEvents(tx, record, () => 'chat:new')) };
      })
      .then((reply) => this.noteCreated(reply, [creatorId, ...others]));
  }

  async get(req: unknown): Promise<Chat> {
    const r = requireObject(req);
    const chatId = requireUuid(r['chatId'], 'chatId');
    const userId = requireUuid(r['userId'], 'userId');
    return toChat(requireMember(await this.chats.findChat(chatId), userId));
  }

  /**
   * One page of the chat list: at most `limit` entries, fewer when the next one would take the
   * reply past ReplyBudget (a page always has one entry: one is far below the budget).
   */
  async list(req: unknown): Promise<ChatListReply> {
    const r = requireObject(req);
    const userId = requireUuid(r['userId'], 'userId');
    const limit = pageLimit(r['limit'], ChatListLimits);
    const after = r['cursor'] === undefined || r['cursor'] === null ? undefined : decodeChatListCursor(r['cursor']);
    const rows = await this.chats.listForUser(userId, { limit, membersPerChat: ChatListLimits.membersPerEntry, after });
    const chats: ChatSummary[] = [];
    let bytes = 64;
    let last: ChatListPosition | undefined;
    for (const row of rows.slice(0, limit)) {
      const entry: ChatSummary = {
        ...toChat(row),
        memberCount: row.memberCount,
        lastMessage: row.lastMessage,
        unreadCount: row.unreadCount,
        muted: row.muted,
      };
      bytes += jsonBytes(entry) + 1;
      if (chats.length > 0 && bytes > ReplyBudget.bytes) break;
      chats.push(entry);
      last = row.position;
    }
    const more = chats.length < rows.length;
    return { chats, nextCursor: more && last ? encodeChatListCursor(last) : null };
  }

  async addMembers(req: unknown): Promise<ChatMembersAddReply> {
    const r = requireObject(req);
    const chatId = requireUuid(r['chatId'], 'chatId');
    const actorId = requireUuid(r['actorId'], 'actorId');
    const userIds = requireUuidList(r['userIds'], 'userIds', Limits.groupMaxMembers, 1);
    return this.chats
      .transaction(async (tx) => {
        const chat = requireMember(await tx.lockChat(chatId), actorId);
        this.requireGroupAdmin(chat, actorId, 'add members');
        const newIds = userIds.filter((id) => !memberOf(chat, id));
        if (chat.members.length + newIds.length > Limits.groupMaxMembers) {
          throw new ParleyError(
            'conflict',
            `a group has at most ${Limits.groupMaxMembers} members; it has ${chat.members.length}`,
          );
        }
        const added = await tx.addMembers(chatId, newIds, 'member', chat.lastSeq);
        const after = await this.mustLoad(tx, chatId);
        // In the chat's member order, not the request's.
        const addedSet = new Set(added);
        const events =
          added.length === 0
            ? {}
            : await this.chatEvents(tx, after, (id) => (addedSet.has(id) ? 'chat:new' : 'chat:updated'));
        return {
          chat: toChat(after),
          addedUserIds: after.members.filter((m) => addedSet.has(m.userId)).map((m) => m.userId),
          ...events,
        };
      })
      .then((reply) => {
        this.heads?.joined(reply.chat.id, reply.addedUserIds, reply.chat.lastSeq);
        return reply;
      });
  }

  async removeMember(req: unknown): Promise<ChatMemberRemoveReply> {
    const r = requireObject(req);
    const chatId = requireUuid(r['chatId'], 'chatId');
    const actorId = requireUuid(r['actorId'], 'actorId');
    const userId = requireUuid(r['userId'], 'userId');
    return this.chats.transaction(async (tx) => {
      const chat = requireMember(await tx.lockChat(chatId), actorId);
      const target = this.requireTarget(chat, userId);
      if (chat.type === 'direct') throw new ParleyError('forbidden', 'members of a direct chat cannot change');
      if (actorId !== userId) this.requireGroupAdmin(chat, actorId, 'remove other members');
      await tx.removeMember(chatId, userId);
      const remaining = chat.members.filter((m) => m.userId !== userId);
      if (target.role === 'admin' && remaining.length > 0 && !remaining.some((m) => m.role === 'admin')) {
        // Members are ordered by joinedAt, then user id: the first is the longest-standing.
        await tx.setRole(chatId, remaining[0].userId, 'admin');
      }
      const after = await this.mustLoad(tx, chatId);
      const { eventSeqs, removedEventSeq } = await this.chatEvents(tx, after, () => 'chat:updated', userId);
      return { chat: toChat(after), removedUserId: userId, eventSeqs, removedEventSeq };
    });
  }

  async update(req: unknown): Promise<ChatChangeReply> {
    const r = requireObject(req);
    const chatId = requireUuid(r['chatId'], 'chatId');
    const actorId = requireUuid(r['actorId'], 'actorId');
    const title = requireTitle(r['title']);
    return this.chats.transaction(async (tx) => {
      const chat = requireMember(await tx.lockChat(chatId), actorId);
      this.requireGroupAdmin(chat, actorId, 'rename the group');
      await tx.setTitle(chatId, title);
      const after = await this.mustLoad(tx, chatId);
      return { ...toChat(after), ...(await this.chatEvents(tx, after, () => 'chat:updated')) };
    });
  }

  async setRole(req: unknown): Promise<ChatChangeReply> {
    const r = requireObject(req);
    const chatId = requireUuid(r['chatId'], 'chatId');
    const actorId = requireUuid(r['actorId'], 'actorId');
    const userId = requireUuid(r['userId'], 'userId');
    const role = requireOneOf(r['role'], 'role', ['admin', 'member'] as const);
    return this.chats.transaction(async (tx) => {
      const chat = requireMember(await tx.lockChat(chatId), actorId);
      const target = this.requireTarget(chat, userId);
      this.requireGroupAdmin(chat, actorId, 'change roles');
      if (target.role === role) return toChat(chat);
      if (role === 'member' && chat.members.filter((m) => m.role === 'admin').length === 1) {
        throw new ParleyError('conflict', 'the only admin cannot step down; make someone else admin first');
      }
      await tx.setRole(chatId, userId, role);
      const after = await this.mustLoad(tx, chatId);
      return { ...toChat(after), ...(await this.chatEvents(tx, after, () => 'chat:updated')) };
    });
  }

  async settings(req: unknown): Promise<ChatSettingsReply> {
    const r = requireObject(req);
    const chatId = requireUuid(r['chatId'], 'chatId');
    const userId = requireUuid(r['userId'], 'userId');
    const muted = requireBoolean(r['muted'], 'muted');
    if (!(await this.chats.setMuted(chatId, userId, muted))) {
      requireMember(await this.chats.access(chatId, userId));
      // A member who left between the two statements:
      throw new ParleyError('forbidden', 'not a member of this chat');
    }
    return { chatId, muted };
  }

  async members(req: unknown): Promise<ChatMembersReply> {
    const r = requireObject(req);
    const chatId = requireUuid(r['chatId'], 'chatId');
    const userId = requireUuid(r['userId'], 'userId');
    const chat = await this.chats.accessWithMembers(chatId);
    if (!chat) throw new ParleyError('not_found', 'no such chat');
    if (!chat.memberIds.includes(userId)) throw new ParleyError('forbidden', 'not a member of this chat');
    return { type: chat.type, memberIds: chat.memberIds, mutedMemberIds: chat.mutedMemberIds };
  }

  async cursors(req: unknown): Promise<UserCursorsReply> {
    const r = requireObject(req);
    const userId = requireUuid(r['userId'], 'userId');
    const limit = pageLimit(r['limit'], UserCursorsLimits);
    const afterChatId =
      r['afterChatId'] === undefined || r['afterChatId'] === null
        ? undefined
        : requireUuid(r['afterChatId'], 'afterChatId');
    const chats = await this.chats.cursors(userId, { limit, afterChatId });
    return { chats, nextAfterChatId: chats.length === limit ? chats[chats.length - 1].chatId : null };
  }

  /** Anyone shares a chat with themself (one may always see one's own presence). */
  async sharesChat(req: unknown): Promise<SharesChatReply> {
    const r = requireObject(req);
    const userId = requireUuid(r['userId'], 'userId');
    const others = requireUuidList(r['otherUserIds'], 'otherUserIds', Limits.groupMaxMembers).filter(
      (id) => id !== userId,
    );
    return { strangers: await this.chats.strangers(userId, others) };
  }

  private requireTarget(chat: ChatRecord, userId: string) {
    const target = memberOf(chat, userId);
    if (!target) throw new ParleyError('not_found', 'that user is not a member of this chat');
    return target;
  }

  private requireGroupAdmin(chat: ChatRecord, actorId: string, action: string): void {
    if (chat.type === 'direct')
      throw new ParleyError('forbidden', 'a direct chat has no admins, member, role or title changes');
    if (memberOf(chat, actorId)?.role !== 'admin')
      throw new ParleyError('forbidden', `only group admins can ${action}`);
  }

  /**
   * The change's events, in its transaction (the chat is locked): one per member (`typeOf`),
   * and `chat:removed` for `removedUserId`. Payloads hold at most 32 members + memberCount.
   */
  private async chatEvents(
    tx: ChatWriter,
    chat: ChatRecord,
    typeOf: (userId: string) => 'chat:new' | 'chat:updated',
    removedUserId?: string,
  ): Promise<ChatEventSeqs & { removedEventSeq?: number }> {
    const payload = toChatEvent(toChat(chat));
    const entries: UserEventEntry[] = chat.members.map((m) => ({
      userId: m.userId,
      type: typeOf(m.userId),
      payload: 0,
    }));
    if (removedUserId) entries.push({ userId: removedUserId, type: 'chat:removed', payload: 1 });
    const seqs = await this.events.append(tx.q, chat.id, entries, [payload, { chatId: chat.id }]);
    return {
      eventSeqs: chat.members.map((m) => seqs.get(m.userId) ?? 0),
      ...(removedUserId ? { removedEventSeq: seqs.get(removedUserId) } : {}),
    };
  }

  private async mustLoad(tx: ChatWriter, chatId: string): Promise<ChatRecord> {
    const chat = await tx.lockChat(chatId);
    if (!chat) throw new Error(`chat ${chatId} vanished inside its own transaction`);
    return chat;
  }
}

const CURSOR = /^(\d{1,20})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The chat list's `Next-Cursor`: opaque to clients, the last entry's position underneath. */
function encodeChatListCursor(position: ChatListPosition): string {
  return Buffer.from(`${position.activityUs}.${position.chatId}`).toString('base64url');
}

function decodeChatListCursor(value: unknown): ChatListPosition {
  const match =
    typeof value === 'string' && value.length <= 96 ? CURSOR.exec(Buffer.from(value, 'base64url').toString()) : null;
  if (!match) throw invalid('cursor is not one this server gave out');
  return { activityUs: match[1], chatId: match[2] };
}
