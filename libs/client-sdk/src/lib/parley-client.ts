import type {
  AckBodies,
  Block,
  Chat,
  ChatEventPayload,
  ChatSummary,
  EventMeta,
  HistoryPage,
  MemberRole,
  Message,
  PresenceState,
  Receipt,
  ResyncRequired,
  User,
} from '@parley/contracts/client';
import type { Socket } from 'socket.io-client';
import { AuthApi, type Session } from './auth.api';
import { BlocksApi } from './blocks.api';
import type { BackoffOptions } from './backoff';
import { ChatsApi, type HistoryQuery } from './chats.api';
import { newClientMsgId } from './client-id';
import { Connection, type ConnectionEvent, type ConnectionState } from './connection';
import { DeliveryAcker } from './delivery-acker';
import { EventCursor } from './event-cursor';
import { ParleyClientError, toClientError } from './errors';
import { everyPage, JsonHttp, type FetchLike, type PageQuery } from './http-client';
import type { MessageStatusEvent, StatusCounts } from './message-status';
import { Outbox, type OutboxEntry } from './outbox';
import { OutboxSender } from './outbox-sender';
import { PresenceHub } from './presence';
import { ClientEvent, ServerEvent, type ServerToClient, type TypingState } from './protocol';
import { ReceiptBook, type StatusChange } from './receipt-book';
import { tokenExpiresAt } from './jwt';
import { SeqTracker } from './seq-tracker';
import { seedStatuses } from './status-seeder';
import { MemoryStorage, type KeyValueStorage } from './storage';
import { TypedEmitter } from './typed-emitter';
import { TypingNotifier, TypingTracker } from './typing';

export interface ParleyClientOptions {
  /** Absolute URL of the auth service, e.g. http://127.0.0.1:3001 (or a proxy path: https://app/auth). */
  authUrl: string;
  /** Absolute URL of the chat-gateway, e.g. http://127.0.0.1:3000 (or https://app/gw: Socket.IO then uses /gw/socket.io). */
  gatewayUrl: string;
  /** Outbox and session persistence; default in memory. Browsers: `new WebStorageAdapter(localStorage)`. */
  storage?: KeyValueStorage;
  fetch?: FetchLike;
  transports?: ('websocket' | 'polling')[];
  /** How long a `message:send` waits for its ack before it is retried (same clientMsgId). Default 10 s. */
  ackTimeoutMs?: number;
  /** Debounce of automatic `message:delivered` acks. Default 100 ms. */
  deliveredAckDelayMs?: number;
  /** Seed statuses of own messages in history pages from GET .../receipts. Default true. */
  seedStatuses?: boolean;
  /**
   * Called when the token is refused or expires; answer a fresh access token to reconnect
   * with, or null to stay `unauthorized` (the app shows its login).
   */
  reauthenticate?: () => Promise<string | null>;
  /**
   * Waits between reconnects: exponential with full jitter, default 500 ms doubling up to 30 s,
   * reset only after a connection stayed up 10 s (so a gateway that refuses or drops at once is
   * not hammered).
   */
  reconnectBackoff?: BackoffOptions & { stableAfterMs?: number };
}

export type ChatEvent = { kind: 'new' | 'updated'; chat: Chat } | { kind: 'removed'; chatId: string };

export interface IncomingMessage {
  message: Message;
  /** Sent by this user (from another device or an earlier session). */
  own: boolean;
}

export interface ParleyEvents {
  /** A message new to this client, in seq order per chat; replayed duplicates are dropped. */
  message: IncomingMessage;
  /**
   * A message was edited, deleted or reacted to (from any device, this one's own changes
   * included): replace the message with the same (chatId, seq).
   */
  updated: Message;
  /** The status of one of the user's own messages changed. */
  status: MessageStatusEvent;
  chat: ChatEvent;
  presence: PresenceState;
  /** Another member typing; expires by itself after 6 s without news. */
  typing: TypingState;
  /** Another member's delivered/read watermark moved. */
  receipt: Receipt;
  /** The user read a chat on another device (their own `read` receipt): drop its unread count. */
  readElsewhere: { chatId: string; upToSeq: number };
  connection: ConnectionEvent;
  /** The session changed: logged in (a user) or out (null). */
  session: User | null;
  /**
   * The server no longer keeps the events this device missed (`resync:required`): rebuild what
   * you show over HTTP (`listChats()`, history of the chats on screen). Live events go on
   * meanwhile; the SDK refetches its own chat cache.
   */
  resync: ResyncRequired;
}

const SESSION_KEY = 'parley:session';
const REQUEST_TIMEOUT_MS = 10_000;

/** A Parley client for browsers and Node: HTTP via fetch, realtime via socket.io-client. */
export class ParleyClient extends TypedEmitter<ParleyEvents> {
  readonly api: { auth: AuthApi; chats: ChatsApi; blocks: BlocksApi };
  private session: Session | null = null;
  private outbox: Outbox | null = null;
  private cursor: EventCursor | null = null;
  private readonly storage: KeyValueStorage;
  private readonly connection: Connection;
  private tracker = new SeqTracker();
  private reauthing: Promise<void> | null = null;
  private receipts: ReceiptBook | null = null;
  private readonly chats = new Map<string, Chat>();
  private readonly membersLoading = new Map<string, Promise<void>>();
  private readonly readSent = new Map<string, number>();
  private readonly readDue = new Map<string, number>();
  private readonly acker: DeliveryAcker;
  private readonly sender: OutboxSender;
  private readonly presenceHub: PresenceHub;
  private readonly typingIn: TypingTracker;
  private readonly typingOut: TypingNotifier;

  constructor(private readonly options: ParleyClientOptions) {
    super();
    this.storage = options.storage ?? new MemoryStorage();
    const token = () => this.session?.accessToken ?? null;
    const onUnauthorized = () => void this.handleUnauthorized();
    this.api = {
      auth: new AuthApi(new JsonHttp(trimSlash(options.authUrl), token, { fetch: options.fetch, onUnauthorized })),
      chats: new ChatsApi(new JsonHttp(trimSlash(options.gatewayUrl), token, { fetch: options.fetch, onUnauthorized })),
      blocks: new BlocksApi(
        new JsonHttp(trimSlash(options.gatewayUrl), token, { fetch: options.fetch, onUnauthorized }),
      ),
    };
    const request = <T extends object>(event: string, payload: unknown, timeoutMs: number) =>
      this.connection.request<T>(event, payload, timeoutMs);
    this.connection = new Connection({
      gatewayUrl: options.gatewayUrl,
      token,
      since: () => this.cursor?.since ?? null,
      transports: options.transports,
      onState: (e) => this.emit('connection', e),
      onConnect: () => this.onConnect(),
      onUnauthorized,
      bind: (socket) => this.bind(socket),
      backoff: options.reconnectBackoff,
      stableAfterMs: options.reconnectBackoff?.stableAfterMs,
    });
    this.acker = new DeliveryAcker(
      (chatId) => this.tracker.contiguous(chatId),
      async (chatId, upToSeq) => {
        const ack = await request<AckBodies[typeof ClientEvent.MessageDelivered]>(
          ClientEvent.MessageDelivered,
          { chatId, upToSeq },
          REQUEST_TIMEOUT_MS,
        );
        this.cursor?.ack(ack.eventSeq);
      },
      options.deliveredAckDelayMs ?? 100,
    );
    this.sender = new OutboxSender({
      outbox: () => this.requireOutbox(),
      request,
      connected: () => this.connection.connected,
      ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
      onStored: (entry, message, eventSeq) => {
        this.onStored(entry, message);
        this.cursor?.ack(eventSeq);
      },
      onFailed: (entry, error) =>
        this.emit('status', {
          chatId: entry.chatId,
          clientMsgId: entry.clientMsgId,
          seq: null,
          status: 'failed',
          deliveredCount: 0,
          readCount: 0,
          recipientCount: 0,
          error,
        }),
    });
    this.presenceHub = new PresenceHub(request, (p) => this.emit('presence', p), REQUEST_TIMEOUT_MS);
    this.typingIn = new TypingTracker((t) => this.emit('typing', t));
    this.typingOut = new TypingNotifier((chatId, isTyping) =>
      this.connection.emit(ClientEvent.Typing, { chatId, isTyping }),
    );
  }

  // ---- session ----

  get user(): User | null {
    return this.session?.user ?? null;
  }

  get accessToken(): string | null {
    return this.session?.accessToken ?? null;
  }

  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  async register(input: { username: string; password: string; displayName?: string }): Promise<User> {
    return this.startSession(await this.api.auth.register(input));
  }

  async login(input: { username: string; password: string }): Promise<User> {
    return this.startSession(await this.api.auth.login(input));
  }

  /** The session saved in storage by an earlier login, if its token has not expired; connects. */
  async restoreSession(): Promise<User | null> {
    const raw = await this.storage.get(SESSION_KEY);
    if (!raw) return null;
    try {
      const session = JSON.parse(raw) as Session;
      const exp = tokenExpiresAt(session.accessToken);
      if (!session.user?.id || (exp !== null && exp <= Date.now())) {
        await this.storage.remove(SESSION_KEY);
        return null;
      }
      return await this.startSession(session);
    } catch {
      await this.storage.remove(SESSION_KEY);
      return null;
    }
  }

  /** Adopts a session obtained elsewhere (e.g. a server-side login) and connects. */
  async startSession(session: Session): Promise<User> {
    const sameUser = this.session?.user.id === session.user.id;
    this.session = session;
    await this.storage.set(SESSION_KEY, JSON.stringify(session));
    if (!sameUser) {
      await this.cursor?.settled();
      this.resetUserState();
      this.receipts = new ReceiptBook(session.user.id);
      this.outbox = new Outbox(this.storage, `parley:outbox:${session.user.id}`);
      // Per user: two accounts on one device keep their own position.
      const cursor = new EventCursor(this.storage, `parley:since:${session.user.id}`);
      await Promise.all([this.outbox.load(), cursor.load()]);
      this.cursor = cursor;
    }
    this.emit('session', session.user);
    this.connection.open();
    return session.user;
  }

  /** Closes the connection and forgets the session. Unsent messages stay in that user's outbox. */
  async logout(): Promise<void> {
    this.connection.close();
    this.session = null;
    await this.cursor?.settled();
    this.resetUserState();
    await this.storage.remove(SESSION_KEY);
    this.emit('session', null);
  }

  /** Stops everything (timers, socket); the client is unusable afterwards. */
  close(): void {
    this.connection.close();
    this.acker.dispose();
    this.sender.dispose();
    this.typingIn.dispose();
    this.typingOut.dispose();
    this.removeAllListeners();
  }

  /** Tell the client the network went away or came back (browsers: see watchBrowserNetwork). */
  setNetworkAvailable(available: boolean): void {
    this.connection.setNetworkAvailable(available);
  }

  // ---- users and chats (HTTP) ----

  findUser(username: string): Promise<User> {
    return this.api.auth.byUsername(username);
  }

  /** See AuthApi.byId: needs auth's GET /v1/users/:userId. */
  getUser(userId: string): Promise<User> {
    return this.api.auth.byId(userId);
  }

  /**
   * Every chat, most recent activity first, fetched page by page. A group's entry holds its
   * first 32 members (see memberCount); getChat() has them all.
   */
  async listChats(): Promise<ChatSummary[]> {
    return everyPage(async (cursor) => {
      const { chats, nextCursor } = await this.listChatsPage({ cursor });
      return { items: chats, nextCursor };
    });
  }

  async listChatsPage(page: PageQuery = {}): Promise<{ chats: ChatSummary[]; nextCursor: string | null }> {
    const result = await this.api.chats.listPage(page);
    // Only whole member lists feed the cache (receipts "to all" count on them).
    for (const chat of result.chats) if (chat.members.length >= chat.memberCount) this.remember(chat);
    return result;
  }

  async getChat(chatId: string): Promise<Chat> {
    return this.remember(await this.api.chats.get(chatId));
  }

  /** The chat as last seen by this client (HTTP answers and chat events). */
  cachedChat(chatId: string): Chat | undefined {
    return this.chats.get(chatId);
  }

  async createDirectChat(otherUserId: string): Promise<Chat> {
    return this.remember(await this.api.chats.create({ type: 'direct', memberIds: [otherUserId] }));
  }

  async createGroup(title: string, memberIds: string[]): Promise<Chat> {
    return this.remember(await this.api.chats.create({ type: 'group', title, memberIds }));
  }

  async addMembers(chatId: string, userIds: string[]): Promise<Chat> {
    return this.remember(await this.api.chats.addMembers(chatId, userIds));
  }

  removeMember(chatId: string, userId: string): Promise<void> {
    return this.api.chats.removeMember(chatId, userId);
  }

  leaveChat(chatId: string): Promise<void> {
    return this.api.chats.removeMember(chatId, this.requireSession().user.id);
  }

  async renameChat(chatId: string, title: string): Promise<Chat> {
    return this.remember(await this.api.chats.rename(chatId, title));
  }

  async setRole(chatId: string, userId: string, role: MemberRole): Promise<Chat> {
    return this.remember(await this.api.chats.setRole(chatId, userId, role));
  }

  // ---- blocking (HTTP) ----

  /** Blocks a user: no direct chat, messages, typing or presence between you (groups unaffected). */
  block(userId: string): Promise<Block> {
    return this.api.blocks.block(userId);
  }

  unblock(userId: string): Promise<void> {
    return this.api.blocks.unblock(userId);
  }

  /** Every user the caller blocks, fetched page by page. */
  async listBlocks(): Promise<Block[]> {
    return everyPage(async (cursor) => {
      const { blocks, nextCursor } = await this.api.blocks.listPage({ cursor });
      return { items: blocks, nextCursor };
    });
  }

  async setMuted(chatId: string, muted: boolean): Promise<boolean> {
    return (await this.api.chats.setMuted(chatId, muted)).muted;
  }

  /**
   * A history page (ascending). Marks its seqs as held (so replays of them are dropped and
   * the delivered ack covers them) and tracks the status of the user's own messages in it.
   */
  async history(chatId: string, query: HistoryQuery = {}): Promise<HistoryPage> {
    const page = await this.api.chats.history(chatId, query);
    const me = this.requireSession().user.id;
    const msgs = page.messages;
    if (msgs.length > 0) {
      const latest = query.before === undefined && query.after === undefined;
      this.tracker.holdRange(chatId, msgs[0].seq, msgs[msgs.length - 1].seq, latest);
      this.acker.schedule(chatId);
      const own = msgs.filter((m) => m.senderId === me);
      if (own.length > 0) {
        own.forEach((m) => this.trackOwn(m));
        if (this.options.seedStatuses !== false) void this.refreshStatuses(chatId).catch(() => undefined);
      }
    }
    return page;
  }

  /** Re-reads receipts of own messages not yet read by all (after history loads, or on demand). */
  async refreshStatuses(chatId: string): Promise<void> {
    const book = this.requireReceipts();
    await this.ensureMembers(chatId);
    await seedStatuses(
      book,
      chatId,
      (c, seq) => this.api.chats.receipts(c, seq),
      (changes) => this.emitChanges(changes),
    );
  }

  /** Status of an own stored message, as far as this client knows. */
  statusOf(chatId: string, seq: number): StatusCounts | null {
    return this.receipts?.statusOf(chatId, seq) ?? null;
  }

  // ---- messaging (Socket.IO) ----

  /**
   * Queues a message in the outbox (persisted) and sends it now if connected, else on the
   * next connect, always with the same clientMsgId. Resolves once it is queued; follow it with
   * `status` events (pending -> sent -> delivered -> read, or failed).
   */
  async send(chatId: string, body: string, options: { replyToSeq?: number } = {}): Promise<OutboxEntry> {
    this.requireSession();
    const n = [...body].length;
    if (n < 1 || n > 4096) throw new ParleyClientError('invalid', 'body must be 1-4096 characters');
    const entry: OutboxEntry = {
      chatId,
      clientMsgId: newClientMsgId(),
      body,
      createdAt: new Date().toISOString(),
      ...(options.replyToSeq !== undefined ? { replyToSeq: options.replyToSeq } : {}),
    };
    await this.requireOutbox().add(entry);
    this.typingOut.stop(chatId);
    this.emit('status', {
      chatId,
      clientMsgId: entry.clientMsgId,
      seq: null,
      status: 'pending',
      deliveredCount: 0,
      readCount: 0,
      recipientCount: 0,
    });
    this.sender.kick();
    return entry;
  }

  /** Edits one's own message (within the server's edit window); emits `updated` with the result. */
  editMessage(chatId: string, seq: number, body: string): Promise<Message> {
    return this.change(ClientEvent.MessageEdit, { chatId, seq, body });
  }

  /** Deletes a message (one's own, or anyone's as a group admin); emits `updated` with the tombstone. */
  deleteMessage(chatId: string, seq: number): Promise<Message> {
    return this.change(ClientEvent.MessageDelete, { chatId, seq });
  }

  /** Sets the user's one reaction to a message, or removes it with null; emits `updated`. */
  react(chatId: string, seq: number, emoji: string | null): Promise<Message> {
    return this.change(ClientEvent.MessageReact, { chatId, seq, emoji });
  }

  /** Messages typed but not yet stored by the server (oldest first). */
  pending(chatId?: string): OutboxEntry[] {
    return this.outbox?.entries(chatId) ?? [];
  }

  /** Marks read up to upToSeq (and delivered). Sent now, or at the next connect when offline. */
  async markRead(chatId: string, upToSeq: number): Promise<void> {
    if (upToSeq < 1 || upToSeq <= (this.readSent.get(chatId) ?? 0)) return;
    this.readDue.set(chatId, Math.max(upToSeq, this.readDue.get(chatId) ?? 0));
    if (this.connection.connected) await this.flushReads();
  }

  /** Call on each keystroke in a chat's input: typing true now and then, false when idle. */
  notifyTyping(chatId: string): void {
    this.typingOut.keystroke(chatId);
  }

  stopTyping(chatId: string): void {
    this.typingOut.stop(chatId);
  }

  /** Subscribes to users' presence (they must share a chat with the user); kept across reconnects. */
  subscribePresence(userIds: string[]): Promise<PresenceState[]> {
    const me = this.session?.user.id;
    return this.presenceHub.subscribe(
      userIds.filter((id) => id !== me),
      this.connection.connected,
    );
  }

  presenceOf(userId: string): PresenceState | undefined {
    return this.presenceHub.get(userId);
  }

  isTyping(chatId: string, userId: string): boolean {
    return this.typingIn.isTyping(chatId, userId);
  }

  // ---- internals ----

  /** The acting connection gets no message:updated (it has the ack): the ack's message is emitted instead. */
  private async change(
    event: typeof ClientEvent.MessageEdit | typeof ClientEvent.MessageDelete | typeof ClientEvent.MessageReact,
    payload: object,
  ): Promise<Message> {
    this.requireSession();
    const ack = await this.connection.request<{ message: Message; eventSeq?: number }>(
      event,
      payload,
      REQUEST_TIMEOUT_MS,
    );
    this.emit('updated', ack.message);
    this.cursor?.ack(ack.eventSeq);
    return ack.message;
  }

  private bind(socket: Socket<ServerToClient>): void {
    socket.on(
      ServerEvent.MessageNew,
      this.streamed((m: Message) => this.onMessage(m)),
    );
    socket.on(
      ServerEvent.MessageUpdated,
      this.streamed((m: Message) => this.emit('updated', m)),
    );
    socket.on(
      ServerEvent.Receipt,
      this.streamed((r: Receipt) => this.onReceipt(r)),
    );
    socket.on(ServerEvent.Typing, (t) => this.typingIn.apply(t));
    socket.on(ServerEvent.Presence, (p) => this.presenceHub.update(p));
    socket.on(
      ServerEvent.ChatNew,
      this.streamed((c: Chat) => this.onChatEvent('new', c)),
    );
    socket.on(
      ServerEvent.ChatUpdated,
      this.streamed((c: Chat) => this.onChatEvent('updated', c)),
    );
    socket.on(
      ServerEvent.ChatRemoved,
      this.streamed(({ chatId }: { chatId: string }) => {
        this.chats.delete(chatId);
        this.tracker.forget(chatId);
        this.acker.forget(chatId);
        this.receipts?.forget(chatId);
        this.emit('chat', { kind: 'removed', chatId });
      }),
    );
    // The replay or catch-up was cut short (message-store down): the rest comes with the next connect.
    socket.on(ServerEvent.ReplayFailed, () => this.connection.reconnect());
    socket.on(ServerEvent.ResyncRequired, (r) => this.onResync(r));
  }

  /**
   * A stream event: dropped when its eventSeq was already applied (a catch-up resending what an
   * ack gave), else applied and then counted, so a crash in between resends it rather than skips it.
   */
  private streamed<T>(apply: (payload: T) => void): (payload: T, meta?: EventMeta) => void {
    return (payload, meta) => {
      const cursor = this.cursor;
      const eventSeq = meta?.eventSeq;
      if (!cursor || typeof eventSeq !== 'number') return apply(payload);
      if (!cursor.isNew(eventSeq)) return;
      apply(payload);
      cursor.event(eventSeq);
    };
  }

  /**
   * What this device missed is gone from the server: start over from HTTP. Seqs held so far may
   * now have gaps no event will fill, so the delivered watermarks start again from what the next
   * history page or message shows.
   */
  private onResync(r: ResyncRequired): void {
    this.cursor?.resync();
    this.tracker = new SeqTracker();
    this.acker.forgetAll();
    this.emit('resync', { oldestEventSeq: r.oldestEventSeq });
    // The cache may hold chats removed meanwhile: refill it (best effort; the app lists chats itself).
    this.chats.clear();
    void this.listChats().catch(() => undefined);
  }

  private onConnect(): void {
    this.sender.kick();
    void this.acker.flush();
    void this.flushReads().catch(() => undefined);
    void this.presenceHub.resubscribe().catch(() => undefined);
  }

  private onMessage(m: Message): void {
    const isNew = this.tracker.receive(m.chatId, m.seq);
    if (!isNew) {
      this.acker.serverIsBelow(m.chatId, m.seq);
      return;
    }
    this.acker.schedule(m.chatId);
    const own = m.senderId === this.session?.user.id;
    if (own) this.trackOwn(m);
    else this.typingIn.clear(m.chatId, m.senderId);
    this.emit('message', { message: m, own });
  }

  private onReceipt(r: Receipt): void {
    if (r.userId === this.session?.user.id) {
      // Our own watermark, moved by another device: not another member's tick.
      if (r.type === 'read') this.emit('readElsewhere', { chatId: r.chatId, upToSeq: r.upToSeq });
      return;
    }
    this.emit('receipt', r);
    const book = this.receipts;
    if (book) this.emitChanges(book.applyReceipt(r.chatId, r.userId, r.type, r.upToSeq));
  }

  private onStored(entry: OutboxEntry, message: Message): void {
    this.tracker.hold(message.chatId, message.seq);
    const counts = this.trackOwn(message);
    this.emit('status', {
      chatId: message.chatId,
      clientMsgId: entry.clientMsgId,
      seq: message.seq,
      message,
      ...counts,
    });
  }

  private trackOwn(m: Message): StatusCounts {
    const book = this.requireReceipts();
    const counts = book.trackOwn(m.chatId, m.seq, m.clientMsgId, m.createdAt);
    if (!book.hasMembers(m.chatId)) void this.ensureMembers(m.chatId).catch(() => undefined);
    return counts;
  }

  private emitChanges(changes: StatusChange[]): void {
    for (const c of changes) this.emit('status', { ...c });
  }

  private async ensureMembers(chatId: string): Promise<void> {
    if (this.receipts?.hasMembers(chatId)) return;
    let loading = this.membersLoading.get(chatId);
    if (!loading) {
      loading = this.getChat(chatId)
        .then(() => undefined)
        .finally(() => this.membersLoading.delete(chatId));
      this.membersLoading.set(chatId, loading);
    }
    await loading;
  }

  /**
   * chat:new / chat:updated carry at most 32 members plus memberCount: only a whole member list
   * feeds the cache (receipts "to all" count on it); a larger group is fetched whole.
   */
  private onChatEvent(kind: 'new' | 'updated', chat: Chat & Partial<Pick<ChatEventPayload, 'memberCount'>>): void {
    if (chat.memberCount === undefined || chat.members.length >= chat.memberCount) this.remember(chat);
    else void this.getChat(chat.id).catch(() => undefined);
    this.emit('chat', { kind, chat });
  }

  private remember<T extends Chat>(chat: T): T {
    const { id, type, title, members, createdAt, lastSeq } = chat;
    this.chats.set(id, { id, type, title, members, createdAt, lastSeq });
    if (this.receipts) this.emitChanges(this.receipts.setMembers(id, members));
    return chat;
  }

  private async flushReads(): Promise<void> {
    for (const [chatId, upToSeq] of [...this.readDue]) {
      if (upToSeq <= (this.readSent.get(chatId) ?? 0)) {
        this.readDue.delete(chatId);
        continue;
      }
      try {
        const ack = await this.connection.request<AckBodies[typeof ClientEvent.MessageRead]>(
          ClientEvent.MessageRead,
          { chatId, upToSeq },
          REQUEST_TIMEOUT_MS,
        );
        this.cursor?.ack(ack.eventSeq);
      } catch (err) {
        const error = toClientError(err);
        if (error.retryable) throw error;
        this.readDue.delete(chatId);
        throw error;
      }
      this.readSent.set(chatId, Math.max(upToSeq, this.readSent.get(chatId) ?? 0));
      if (this.readDue.get(chatId) === upToSeq) this.readDue.delete(chatId);
    }
  }

  /** One reauthentication at a time, however many calls and sockets noticed the expiry. */
  private handleUnauthorized(): Promise<void> {
    this.reauthing ??= (async () => {
      const fresh = await this.options.reauthenticate?.().catch(() => null);
      if (fresh && this.session) await this.startSession({ ...this.session, accessToken: fresh });
    })().finally(() => {
      this.reauthing = null;
    });
    return this.reauthing;
  }

  private resetUserState(): void {
    this.tracker = new SeqTracker();
    this.cursor = null;
    this.acker.forgetAll();
    this.outbox = null;
    this.receipts = null;
    this.chats.clear();
    this.readSent.clear();
    this.readDue.clear();
  }

  private requireSession(): Session {
    if (!this.session) throw new ParleyClientError('unauthorized', 'not logged in');
    return this.session;
  }

  private requireOutbox(): Outbox {
    if (!this.outbox) throw new ParleyClientError('unauthorized', 'not logged in');
    return this.outbox;
  }

  private requireReceipts(): ReceiptBook {
    if (!this.receipts) throw new ParleyClientError('unauthorized', 'not logged in');
    return this.receipts;
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
