import {
  ParleyClientError,
  type ChatEvent,
  type ConnectionState,
  type IncomingMessage,
  type MessageStatus,
  type MessageStatusEvent,
  type OutboxEntry,
  type ParleyClient,
} from '@parley/client-sdk';
import type { MemberRole, Message, PresenceState, User } from '@parley/contracts/client';
import type { TypingState } from '@parley/client-sdk';
import { applyChat, applyMessage, applyRead, entryFromSummary, type ChatEntry } from './chat-list';
import { emptyConversation, mergeMessages, type Conversation } from './conversation';

export interface AppState {
  booting: boolean;
  me: User | null;
  connection: ConnectionState;
  chats: Record<string, ChatEntry>;
  chatsLoaded: boolean;
  activeChatId: string | null;
  conversations: Record<string, Conversation>;
  /** Own messages' statuses by `${chatId}|${clientMsgId}`. */
  statuses: Record<string, MessageStatus>;
  outbox: Record<string, OutboxEntry[]>;
  failed: Record<string, { entry: OutboxEntry; error: string }[]>;
  typing: Record<string, string[]>;
  presence: Record<string, PresenceState>;
  users: Record<string, User>;
  /** Users the signed-in user blocks (GET /v1/blocks). */
  blocked: Record<string, true>;
  notice: string | null;
}

const PAGE = 30;

const initial: AppState = {
  booting: true,
  me: null,
  connection: 'idle',
  chats: {},
  chatsLoaded: false,
  activeChatId: null,
  conversations: {},
  statuses: {},
  outbox: {},
  failed: {},
  typing: {},
  presence: {},
  users: {},
  blocked: {},
  notice: null,
};

const statusKey = (chatId: string, clientMsgId: string) => `${chatId}|${clientMsgId}`;

/** The web client's state, fed by the SDK's events; React reads it with useSyncExternalStore. */
export class AppStore {
  private state: AppState = initial;
  private readonly listeners = new Set<() => void>();
  private readonly userLookups = new Set<string>();
  private wasConnected = false;

  constructor(
    readonly client: ParleyClient,
    private readonly isVisible: () => boolean = () => true,
  ) {
    client.on('message', (e) => this.onMessage(e));
    client.on('updated', (m) => this.onUpdated(m));
    client.on('status', (e) => this.onStatus(e));
    client.on('chat', (e) => this.onChat(e));
    client.on('resync', () => this.onResync());
    client.on('readElsewhere', (r) => this.updateChat(r.chatId, (e) => applyRead(e, r.upToSeq)));
    client.on('presence', (p) => this.set((s) => ({ presence: { ...s.presence, [p.userId]: p } })));
    client.on('typing', (t) => this.onTyping(t));
    client.on('connection', (e) => this.onConnection(e.state));
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): AppState => this.state;

  // ---- session ----

  async boot(): Promise<void> {
    const user = await this.client.restoreSession().catch(() => null);
    if (user) await this.afterLogin(user);
    this.set({ booting: false });
  }

  async login(username: string, password: string): Promise<void> {
    await this.afterLogin(await this.client.login({ username, password }));
  }

  async register(username: string, password: string, displayName: string): Promise<void> {
    await this.afterLogin(await this.client.register({ username, password, displayName: displayName || undefined }));
  }

  async logout(): Promise<void> {
    await this.client.logout();
    this.wasConnected = false;
    this.state = { ...initial, booting: false };
    this.notify();
  }

  private async afterLogin(user: User): Promise<void> {
    this.set((s) => ({
      me: user,
      users: { ...s.users, [user.id]: user },
      outbox: groupOutbox(this.client.pending()),
      notice: null,
    }));
    await Promise.all([this.loadChats(), this.loadBlocks()]);
  }

  // ---- blocking ----

  private async loadBlocks(): Promise<void> {
    try {
      const blocks = await this.client.listBlocks();
      this.set({ blocked: Object.fromEntries(blocks.map((b) => [b.userId, true as const])) });
    } catch (err) {
      this.fail(err);
    }
  }

  /** Neither side can write in the direct chat meanwhile; groups are unaffected. */
  async block(userId: string): Promise<void> {
    await this.client.block(userId);
    this.set((s) => ({ blocked: { ...s.blocked, [userId]: true as const } }));
  }

  async unblock(userId: string): Promise<void> {
    await this.client.unblock(userId);
    this.set((s) => {
      const blocked = { ...s.blocked };
      delete blocked[userId];
      return { blocked };
    });
  }

  // ---- chats ----

  async loadChats(): Promise<void> {
    try {
      const list = await this.client.listChats();
      const chats: Record<string, ChatEntry> = {};
      for (const summary of list) {
        const prev = this.state.chats[summary.id];
        const entry = entryFromSummary(summary);
        // a message seen live after the list was read stays the last one
        chats[summary.id] =
          prev && prev.knownSeq > entry.knownSeq
            ? { ...entry, lastMessage: prev.lastMessage, knownSeq: prev.knownSeq }
            : entry;
      }
      this.set({ chats, chatsLoaded: true });
      this.watchMembers(list.flatMap((c) => c.members.map((m) => m.userId)));
    } catch (err) {
      this.fail(err);
    }
  }

  openChat(chatId: string | null): void {
    this.set({ activeChatId: chatId });
    if (!chatId) return;
    // The list shows a group's first 32 members: the open chat needs them all.
    if (this.state.chats[chatId]?.membersComplete === false) {
      void this.client.getChat(chatId).then(
        (chat) => this.onChat({ kind: 'updated', chat }),
        () => undefined,
      );
    }
    const conv = this.state.conversations[chatId];
    if (!conv?.loaded) void this.loadLatest(chatId);
    else this.markReadIfReading(chatId);
  }

  private async loadLatest(chatId: string): Promise<void> {
    try {
      const page = await this.client.history(chatId, { limit: PAGE });
      this.setConversation(chatId, (c) => ({
        ...c,
        messages: mergeMessages(c.messages, page.messages),
        hasMore: page.hasMore,
        loaded: true,
        error: null,
      }));
      this.markReadIfReading(chatId);
    } catch (err) {
      this.setConversation(chatId, (c) => ({ ...c, error: describeError(err) }));
    }
  }

  /** Infinite scroll: the page just below the oldest message held. */
  async loadOlder(chatId: string): Promise<void> {
    const conv = this.state.conversations[chatId];
    if (!conv?.loaded || !conv.hasMore || conv.loadingOlder || conv.messages.length === 0) return;
    this.setConversation(chatId, (c) => ({ ...c, loadingOlder: true }));
    try {
      const page = await this.client.history(chatId, { before: conv.messages[0].seq, limit: PAGE });
      this.setConversation(chatId, (c) => ({
        ...c,
        messages: mergeMessages(c.messages, page.messages),
        hasMore: page.hasMore,
        loadingOlder: false,
      }));
    } catch (err) {
      this.setConversation(chatId, (c) => ({ ...c, loadingOlder: false, error: describeError(err) }));
    }
  }

  async send(chatId: string, body: string, replyToSeq?: number): Promise<void> {
    const text = body.trim();
    if (!text) return;
    try {
      await this.client.send(chatId, text, replyToSeq === undefined ? {} : { replyToSeq });
      this.set({ outbox: groupOutbox(this.client.pending()) });
    } catch (err) {
      this.fail(err);
    }
  }

  typing(chatId: string): void {
    this.client.notifyTyping(chatId);
  }

  async startDirectChat(username: string): Promise<string> {
    const other = await this.findUser(username);
    const chat = await this.client.createDirectChat(other.id);
    this.set((s) => ({ chats: { ...s.chats, [chat.id]: applyChat(s.chats[chat.id], chat) } }));
    this.watchMembers([other.id]);
    return chat.id;
  }

  async createGroup(title: string, usernames: string[]): Promise<string> {
    const users = await Promise.all(usernames.map((u) => this.findUser(u)));
    const chat = await this.client.createGroup(
      title,
      users.map((u) => u.id),
    );
    this.set((s) => ({ chats: { ...s.chats, [chat.id]: applyChat(s.chats[chat.id], chat) } }));
    this.watchMembers(users.map((u) => u.id));
    return chat.id;
  }

  async addMember(chatId: string, username: string): Promise<void> {
    const user = await this.findUser(username);
    const chat = await this.client.addMembers(chatId, [user.id]);
    this.onChat({ kind: 'updated', chat });
  }

  async removeMember(chatId: string, userId: string): Promise<void> {
    await this.client.removeMember(chatId, userId);
    if (userId === this.state.me?.id) this.dropChat(chatId);
    else this.onChat({ kind: 'updated', chat: await this.client.getChat(chatId) });
  }

  async setRole(chatId: string, userId: string, role: MemberRole): Promise<void> {
    this.onChat({ kind: 'updated', chat: await this.client.setRole(chatId, userId, role) });
  }

  async rename(chatId: string, title: string): Promise<void> {
    this.onChat({ kind: 'updated', chat: await this.client.renameChat(chatId, title) });
  }

  async setMuted(chatId: string, muted: boolean): Promise<void> {
    const value = await this.client.setMuted(chatId, muted);
    this.updateChat(chatId, (e) => ({ ...e, muted: value }));
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  /** The tab became visible again: what is on screen is now read. */
  visibilityChanged(): void {
    if (this.state.activeChatId) this.markReadIfReading(this.state.activeChatId);
  }

  /** Display name of a user, looking unknown ones up once. */
  nameOf(userId: string): string {
    const u = this.state.users[userId];
    if (u) return u.displayName || u.username;
    this.resolveUsers([userId]);
    return `User ${userId.slice(0, 6)}`;
  }

  statusOf(m: Message): MessageStatus {
    return (
      this.state.statuses[statusKey(m.chatId, m.clientMsgId)] ?? this.client.statusOf(m.chatId, m.seq)?.status ?? 'sent'
    );
  }

  async editMessage(chatId: string, seq: number, body: string): Promise<void> {
    const text = body.trim();
    if (!text) return;
    await this.client.editMessage(chatId, seq, text).catch((err: unknown) => this.fail(err));
  }

  async deleteMessage(chatId: string, seq: number): Promise<void> {
    await this.client.deleteMessage(chatId, seq).catch((err: unknown) => this.fail(err));
  }

  async react(chatId: string, seq: number, emoji: string | null): Promise<void> {
    await this.client.react(chatId, seq, emoji).catch((err: unknown) => this.fail(err));
  }

  // ---- SDK events ----

  /** An edit, delete or reaction: the message is replaced where it is shown. */
  private onUpdated(message: Message): void {
    this.setConversation(message.chatId, (c) => ({ ...c, messages: mergeMessages(c.messages, [message]) }));
    this.updateChat(message.chatId, (e) => (e.lastMessage?.seq === message.seq ? { ...e, lastMessage: message } : e));
  }

  private onMessage({ message, own }: IncomingMessage): void {
    const { chatId } = message;
    const reading = this.isReading(chatId);
    this.setConversation(chatId, (c) => ({ ...c, messages: mergeMessages(c.messages, [message]) }));
    if (!this.state.chats[chatId])
      void this.client.getChat(chatId).then(
        (chat) => this.onChat({ kind: 'new', chat }),
        () => undefined,
      );
    this.updateChat(chatId, (e) => applyMessage(e, message, { own, reading }));
    if (!own && reading) this.markReadIfReading(chatId);
  }

  private onStatus(e: MessageStatusEvent): void {
    this.set((s) => {
      const patch: Partial<AppState> = {
        statuses: { ...s.statuses, [statusKey(e.chatId, e.clientMsgId)]: e.status },
        outbox: groupOutbox(this.client.pending()),
      };
      if (e.status === 'failed') {
        const entry = s.outbox[e.chatId]?.find((x) => x.clientMsgId === e.clientMsgId);
        if (entry)
          patch.failed = {
            ...s.failed,
            [e.chatId]: [...(s.failed[e.chatId] ?? []), { entry, error: e.error?.message ?? 'not sent' }],
          };
      }
      return patch;
    });
    if (e.message) {
      const m = e.message;
      this.setConversation(m.chatId, (c) => ({ ...c, messages: mergeMessages(c.messages, [m]) }));
      this.updateChat(m.chatId, (entry) => applyMessage(entry, m, { own: true, reading: true }));
    }
  }

  private onChat(e: ChatEvent): void {
    if (e.kind === 'removed') return this.dropChat(e.chatId);
    this.set((s) => ({ chats: { ...s.chats, [e.chat.id]: applyChat(s.chats[e.chat.id], e.chat) } }));
    this.watchMembers(e.chat.members.map((m) => m.userId));
  }

  private onTyping(t: TypingState): void {
    this.set((s) => {
      const now = (s.typing[t.chatId] ?? []).filter((id) => id !== t.userId);
      return { typing: { ...s.typing, [t.chatId]: t.isTyping ? [...now, t.userId] : now } };
    });
  }

  /** The server no longer keeps what this device missed: reread the list and each conversation on hand. */
  private onResync(): void {
    void this.loadChats();
    for (const [chatId, conv] of Object.entries(this.state.conversations)) {
      if (!conv.loaded) continue;
      // Older pages may hold edits and deletes we never heard of: start again from the latest page.
      this.setConversation(chatId, (c) => ({ ...c, messages: [], hasMore: true, loaded: false }));
      void this.loadLatest(chatId);
    }
  }

  private onConnection(state: ConnectionState): void {
    this.set({ connection: state });
    if (state === 'connected') {
      // Chats may have changed while we were away (added, renamed): the list is cheap to reread.
      if (this.wasConnected) void this.loadChats();
      this.wasConnected = true;
      this.set({ outbox: groupOutbox(this.client.pending()) });
    }
    if (state === 'unauthorized') this.set({ notice: 'Your session expired: please log in again.', me: null });
  }

  // ---- helpers ----

  private isReading(chatId: string): boolean {
    return this.state.activeChatId === chatId && this.isVisible();
  }

  private markReadIfReading(chatId: string): void {
    if (!this.isReading(chatId)) return;
    const msgs = this.state.conversations[chatId]?.messages ?? [];
    const last = msgs[msgs.length - 1];
    if (!last) return;
    this.updateChat(chatId, (e) => applyRead(e, last.seq));
    this.client.markRead(chatId, last.seq).catch(() => undefined);
  }

  private watchMembers(userIds: string[]): void {
    const others = [...new Set(userIds)].filter((id) => id !== this.state.me?.id);
    if (others.length === 0) return;
    this.resolveUsers(others);
    this.client.subscribePresence(others).catch(() => undefined);
  }

  private resolveUsers(ids: string[]): void {
    for (const id of ids) {
      if (this.state.users[id] || this.userLookups.has(id)) continue;
      this.userLookups.add(id);
      this.client.getUser(id).then(
        (u) => this.set((s) => ({ users: { ...s.users, [u.id]: u } })),
        () => undefined,
      );
    }
  }

  private async findUser(username: string): Promise<User> {
    const user = await this.client.findUser(username.trim().toLowerCase().replace(/^@/, ''));
    this.set((s) => ({ users: { ...s.users, [user.id]: user } }));
    return user;
  }

  private dropChat(chatId: string): void {
    this.set((s) => {
      const chats = { ...s.chats };
      delete chats[chatId];
      return { chats, activeChatId: s.activeChatId === chatId ? null : s.activeChatId };
    });
  }

  private updateChat(chatId: string, fn: (e: ChatEntry) => ChatEntry): void {
    this.set((s) => (s.chats[chatId] ? { chats: { ...s.chats, [chatId]: fn(s.chats[chatId]) } } : {}));
  }

  private setConversation(chatId: string, fn: (c: Conversation) => Conversation): void {
    this.set((s) => ({
      conversations: { ...s.conversations, [chatId]: fn(s.conversations[chatId] ?? emptyConversation) },
    }));
  }

  private fail(err: unknown): void {
    this.set({ notice: describeError(err) });
  }

  private set(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
    const next = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...next };
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

function groupOutbox(entries: OutboxEntry[]): Record<string, OutboxEntry[]> {
  const out: Record<string, OutboxEntry[]> = {};
  for (const e of entries) (out[e.chatId] ??= []).push(e);
  return out;
}

export function describeError(err: unknown): string {
  if (err instanceof ParleyClientError) {
    if (err.retryable && err.code !== 'rate_limited')
      return 'Parley cannot be reached right now. Try again in a moment.';
    if (err.code === 'not_found' && /user/i.test(err.message)) return 'No such user.';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
