import type { Message } from '@parley/contracts';

export interface MessageOrderDeps {
  emit(message: Message): void;
  /** Messages of a chat with seq > afterSeq, ascending, at most `limit`. */
  fetchAfter(chatId: string, afterSeq: number, limit: number): Promise<Message[]>;
  gapFillDelayMs: number;
  onError(err: unknown): void;
}

interface ChatCursor {
  /** The next seq this connection expects. */
  next: number;
  /** Early arrivals by seq; null marks a seq to skip (the connection's own send). */
  pending: Map<number, Message | null>;
  timer?: NodeJS.Timeout;
  filling: boolean;
  fillAttempts: number;
}

const MAX_FILL_ATTEMPTS = 5;
const FILL_PAGE = 100;

/**
 * One connection's view of its chats: every chat's messages leave in seq order and
 * no (chatId, seq) leaves twice. Two gateways can commit seq 5 and 6 and fan them
 * out in the opposite order, and live traffic overlaps the replay on connect: what
 * comes early waits, and a gap that does not close soon is filled from the store.
 */
export class MessageOrder {
  private readonly chats = new Map<string, ChatCursor>();
  private replaying = false;
  private held: Message[] = [];
  private disposed = false;

  constructor(private readonly deps: MessageOrderDeps) {}

  /** Live messages are held until finishReplay(). */
  startReplay(): void {
    this.replaying = true;
  }

  finishReplay(): void {
    this.replaying = false;
    const held = this.held;
    this.held = [];
    held.sort((a, b) => (a.chatId === b.chatId ? a.seq - b.seq : 0));
    for (const message of held) this.accept(message);
  }

  get isReplaying(): boolean {
    return this.replaying;
  }

  /** Where a chat starts for this connection (replay start, or a chat joined now). */
  setCursor(chatId: string, nextSeq: number): void {
    const cursor = this.chats.get(chatId);
    if (!cursor) {
      this.chats.set(chatId, { next: nextSeq, pending: new Map(), filling: false, fillAttempts: 0 });
    } else if (nextSeq > cursor.next) {
      cursor.next = nextSeq;
      this.drain(chatId, cursor);
    }
  }

  nextSeq(chatId: string): number | undefined {
    return this.chats.get(chatId)?.next;
  }

  forget(chatId: string): void {
    const cursor = this.chats.get(chatId);
    if (cursor?.timer) clearTimeout(cursor.timer);
    this.chats.delete(chatId);
  }

  /** A live message for this connection. */
  offer(message: Message): void {
    if (this.disposed) return;
    if (this.replaying) {
      this.held.push(message);
      return;
    }
    this.accept(message);
  }

  /** A replayed message (replay pages come in order, starting at the cursor). */
  replayed(message: Message): void {
    this.accept(message);
  }

  /** This connection sent seq itself and got it in the ack: never emit it here. */
  markOwn(chatId: string, seq: number): void {
    const cursor = this.chats.get(chatId);
    if (!cursor) {
      this.setCursor(chatId, seq + 1);
      return;
    }
    if (seq < cursor.next) return;
    if (seq === cursor.next) {
      cursor.next++;
      this.drain(chatId, cursor);
    } else {
      cursor.pending.set(seq, null);
      this.scheduleFill(chatId, cursor);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const cursor of this.chats.values()) if (cursor.timer) clearTimeout(cursor.timer);
    this.chats.clear();
    this.held = [];
  }

  private accept(message: Message): void {
    let cursor = this.chats.get(message.chatId);
    if (!cursor) {
      // A chat this connection had no cursor for (joined after connect): start here.
      cursor = { next: message.seq, pending: new Map(), filling: false, fillAttempts: 0 };
      this.chats.set(message.chatId, cursor);
    }
    if (message.seq < cursor.next || cursor.pending.has(message.seq)) return;
    if (message.seq === cursor.next) {
      this.deps.emit(message);
      cursor.next++;
      this.drain(message.chatId, cursor);
    } else {
      cursor.pending.set(message.seq, message);
      this.scheduleFill(message.chatId, cursor);
    }
  }

  private drain(chatId: string, cursor: ChatCursor): void {
    for (const [seq] of cursor.pending) if (seq < cursor.next) cursor.pending.delete(seq);
    while (cursor.pending.has(cursor.next)) {
      const message = cursor.pending.get(cursor.next);
      cursor.pending.delete(cursor.next);
      if (message) this.deps.emit(message);
      cursor.next++;
    }
    if (cursor.pending.size === 0) {
      if (cursor.timer) clearTimeout(cursor.timer);
      cursor.timer = undefined;
      cursor.fillAttempts = 0;
    } else {
      this.scheduleFill(chatId, cursor);
    }
  }

  private scheduleFill(chatId: string, cursor: ChatCursor): void {
    if (cursor.timer || cursor.filling || this.disposed) return;
    const delay = this.deps.gapFillDelayMs * 2 ** cursor.fillAttempts;
    cursor.timer = setTimeout(() => {
      cursor.timer = undefined;
      void this.fill(chatId, cursor);
    }, delay);
    cursor.timer.unref?.();
  }

  private async fill(chatId: string, cursor: ChatCursor): Promise<void> {
    if (this.disposed || cursor.pending.size === 0 || this.chats.get(chatId) !== cursor) return;
    cursor.filling = true;
    const upTo = Math.min(...cursor.pending.keys()) - 1;
    try {
      const missing = await this.deps.fetchAfter(chatId, cursor.next - 1, Math.min(FILL_PAGE, upTo - cursor.next + 1));
      cursor.filling = false;
      for (const message of missing) if (message.seq <= upTo) this.accept(message);
    } catch (err) {
      cursor.filling = false;
      this.deps.onError(err);
    }
    if (this.disposed || this.chats.get(chatId) !== cursor || cursor.pending.size === 0) return;
    cursor.fillAttempts++;
    if (cursor.fillAttempts > MAX_FILL_ATTEMPTS) {
      // The store does not have it: never stall the chat, the next connect replays it.
      cursor.next = Math.min(...cursor.pending.keys());
      cursor.fillAttempts = 0;
      this.drain(chatId, cursor);
      return;
    }
    this.scheduleFill(chatId, cursor);
  }
}
