import { ParleyError, type Message } from '@parley/contracts';

/** Who holds a cursor for which chat: lets a heads digest reach the connections it concerns. */
export interface ChatHolderIndex {
  hold(chatId: string, order: MessageOrder): void;
  release(chatId: string, order: MessageOrder): void;
}

export interface MessageOrderDeps {
  emit(message: Message): void;
  /** A message this connection was sent already changed (message:updated). */
  emitUpdated(message: Message): void;
  /** Messages of a chat with seq > afterSeq, ascending, at most `limit`. */
  fetchAfter(chatId: string, afterSeq: number, limit: number): Promise<Message[]>;
  gapFillDelayMs: number;
  onError(err: unknown): void;
  /** Live-delivery repair: told of every chat this connection has a cursor for. */
  holders?: ChatHolderIndex;
  /** How long a message the store reports (noteHead) may still be on its way live before it is fetched. */
  headGraceMs?: number;
  /** The store says this connection may not read the chat (removed, and chat:removed was lost). */
  onChatGone?(chatId: string): void;
  /** How long messages of a chat met without chat:new wait for where the chat starts (chat:new, a join in a heads digest). */
  anchorWaitMs?: number;
  /** Shared by the gateway's connections: bounds their store reads in flight. */
  fetchLimiter?: { run<T>(work: () => Promise<T>): Promise<T> };
  /** Fills gave up on seqs fromSeq..toSeq of a chat: skipped (the next connect replays them). */
  onSkipped?(chatId: string, fromSeq: number, toSeq: number): void;
}

interface ChatCursor {
  /** The next seq this connection expects. */
  next: number;
  /** The highest seq the store reported (heads digest); above `next` means a live delivery may be lost. */
  head: number;
  /**
   * false: met through a message, with no chat:new (lost, or still on its way): where the chat
   * starts for this connection is not known yet, so nothing leaves until setCursor() says it.
   */
  anchored: boolean;
  /** Told by replay, chat:new, a join or its own send, not only met through a message (chat:new may be lost). */
  introduced: boolean;
  /** Early arrivals by seq; null marks a seq to skip (the connection's own send). Made on first use. */
  pending?: Map<number, Message | null>;
  /** Changed versions of messages not met yet (their live delivery was overtaken): used when they come. Made on first use. */
  newer?: Map<number, Message>;
  timer?: NodeJS.Timeout;
  filling: boolean;
  fillAttempts: number;
}

const MAX_FILL_ATTEMPTS = 5;
/** Changed versions kept per chat for messages not met yet; past it the message comes as it arrives. */
const MAX_NEWER = 256;
const FILL_PAGE = 100;
const DEFAULT_HEAD_GRACE_MS = 250;
const DEFAULT_ANCHOR_WAIT_MS = 3000;

/** A chat's early arrivals, made when the first one waits (an idle connection holds none). */
function pendingOf(cursor: ChatCursor): Map<number, Message | null> {
  return (cursor.pending ??= new Map());
}

function pendingCount(cursor: ChatCursor): number {
  return cursor.pending?.size ?? 0;
}

/** A message that arrived live waits behind the gap (not only the connection's own sends, marked null). */
function messageWaits(cursor: ChatCursor): boolean {
  for (const message of cursor.pending?.values() ?? []) if (message) return true;
  return false;
}

function lowestPending(cursor: ChatCursor): number {
  return Math.min(...(cursor.pending?.keys() ?? []));
}

/**
 * One connection's view of its chats: every chat's messages leave in seq order and
 * no (chatId, seq) leaves twice. Two gateways can commit seq 5 and 6 and fan them
 * out in the opposite order, and live traffic overlaps the replay on connect: what
 * comes early waits, and a gap that does not close soon is filled from the store.
 * What only a busy connection needs (held and waiting messages) is made on first use.
 */
export class MessageOrder {
  private readonly chats = new Map<string, ChatCursor>();
  private replaying = false;
  /** Live messages that came during the replay. */
  private held?: Message[];
  private disposed = false;

  constructor(private readonly deps: MessageOrderDeps) {}

  /** Live messages are held until finishReplay(). */
  startReplay(): void {
    this.replaying = true;
  }

  finishReplay(): void {
    this.replaying = false;
    const held = this.held ?? [];
    this.held = undefined;
    held.sort((a, b) => (a.chatId === b.chatId ? a.seq - b.seq : 0));
    for (const message of held) this.accept(message);
    // Heads reported during the replay that neither it nor live traffic covered.
    for (const [chatId, cursor] of this.chats) if (cursor.head >= cursor.next) this.scheduleFill(chatId, cursor);
  }

  get isReplaying(): boolean {
    return this.replaying;
  }

  /** Where a chat starts for this connection (replay start, or a chat joined now). */
  setCursor(chatId: string, nextSeq: number): void {
    const cursor = this.chats.get(chatId);
    if (cursor) cursor.introduced = true;
    if (!cursor) {
      this.track(chatId, nextSeq);
    } else if (!cursor.anchored) {
      this.anchor(chatId, cursor, nextSeq);
    } else if (nextSeq > cursor.next) {
      cursor.next = nextSeq;
      this.drain(chatId, cursor);
    }
  }

  nextSeq(chatId: string): number | undefined {
    return this.chats.get(chatId)?.next;
  }

  /** The chat was introduced to this connection (replay, chat:new, a join, its own send), not only met through a message. */
  knows(chatId: string): boolean {
    return this.chats.get(chatId)?.introduced === true;
  }

  forget(chatId: string): void {
    const cursor = this.chats.get(chatId);
    if (!cursor) return;
    if (cursor.timer) clearTimeout(cursor.timer);
    this.chats.delete(chatId);
    this.deps.holders?.release(chatId, this);
  }

  /**
   * The store has the chat up to lastSeq (heads digest or recovery). If this connection is
   * behind, the missing messages are fetched after a short grace (they may be on their way
   * live): a lost delivery costs at most one digest interval plus this grace.
   */
  noteHead(chatId: string, lastSeq: number): void {
    const cursor = this.chats.get(chatId);
    if (!cursor || this.disposed || lastSeq < cursor.next || lastSeq <= cursor.head) return;
    cursor.head = lastSeq;
    this.scheduleFill(chatId, cursor);
  }

  /** A live message for this connection. */
  offer(message: Message): void {
    if (this.disposed) return;
    if (this.replaying) {
      (this.held ??= []).push(message);
      return;
    }
    this.accept(message);
  }

  /**
   * A stored message changed (edit, delete, reaction). Sent to this connection already: it
   * leaves now as message:updated. Not sent yet: the copy waiting here is swapped for this one
   * (or this one waits for it), so the older version never follows the newer.
   */
  updated(message: Message): void {
    if (this.disposed) return;
    const held = this.held;
    const at = held ? held.findIndex((m) => m.chatId === message.chatId && m.seq === message.seq) : -1;
    if (held && at >= 0) {
      held[at] = message;
      return;
    }
    const cursor = this.chats.get(message.chatId);
    const waiting = cursor?.pending?.get(message.seq);
    if (!cursor || (cursor.anchored && message.seq < cursor.next) || waiting === null) {
      // Sent already, its own send (it has the ack), or a chat this connection does not follow.
      this.deps.emitUpdated(message);
    } else if (waiting) {
      pendingOf(cursor).set(message.seq, message);
    } else if ((cursor.newer?.size ?? 0) < MAX_NEWER) {
      (cursor.newer ??= new Map()).set(message.seq, message);
    }
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
    if (!cursor.anchored) {
      pendingOf(cursor).set(seq, null);
      cursor.next = Math.min(cursor.next, seq);
      return;
    }
    if (seq < cursor.next) return;
    if (seq === cursor.next) {
      cursor.next++;
      this.drain(chatId, cursor);
    } else {
      pendingOf(cursor).set(seq, null);
      this.scheduleFill(chatId, cursor);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const [chatId, cursor] of this.chats) {
      if (cursor.timer) clearTimeout(cursor.timer);
      this.deps.holders?.release(chatId, this);
    }
    this.chats.clear();
    this.held = undefined;
  }

  private accept(arrived: Message): void {
    let message = arrived;
    let cursor = this.chats.get(message.chatId);
    if (!cursor) {
      // A chat joined after connect whose chat:new has not come (lost, or slower than this
      // message). Seq 1 starts every chat; any other waits to learn where the chat starts.
      cursor = this.track(message.chatId, message.seq, message.seq === 1, false);
      if (!cursor.anchored) this.awaitAnchor(message.chatId, cursor);
    }
    const newer = cursor.newer?.get(message.seq);
    if (newer) {
      cursor.newer?.delete(message.seq);
      message = newer;
    }
    if (!cursor.anchored) {
      pendingOf(cursor).set(message.seq, message);
      cursor.next = Math.min(cursor.next, message.seq);
      return;
    }
    if (message.seq < cursor.next || cursor.pending?.has(message.seq)) return;
    if (message.seq === cursor.next) {
      this.deps.emit(message);
      cursor.next++;
      this.drain(message.chatId, cursor);
    } else {
      pendingOf(cursor).set(message.seq, message);
      this.scheduleFill(message.chatId, cursor);
    }
  }

  private awaitAnchor(chatId: string, cursor: ChatCursor): void {
    cursor.timer = setTimeout(() => {
      cursor.timer = undefined;
      // Nobody said: start at the earliest message met (what the next connect's replay corrects).
      if (!cursor.anchored && this.chats.get(chatId) === cursor) this.anchor(chatId, cursor, cursor.next);
    }, this.deps.anchorWaitMs ?? DEFAULT_ANCHOR_WAIT_MS);
    cursor.timer.unref?.();
  }

  private anchor(chatId: string, cursor: ChatCursor, nextSeq: number): void {
    if (cursor.timer) clearTimeout(cursor.timer);
    cursor.timer = undefined;
    cursor.anchored = true;
    cursor.next = nextSeq;
    this.drain(chatId, cursor);
  }

  private track(chatId: string, next: number, anchored = true, introduced = true): ChatCursor {
    const cursor: ChatCursor = { next, head: 0, anchored, introduced, filling: false, fillAttempts: 0 };
    this.chats.set(chatId, cursor);
    this.deps.holders?.hold(chatId, this);
    return cursor;
  }

  /** The last seq this connection is missing before what it holds or the store reported (below `next`: none). */
  private fillTarget(cursor: ChatCursor): number {
    return pendingCount(cursor) > 0 ? lowestPending(cursor) - 1 : cursor.head;
  }

  private drain(chatId: string, cursor: ChatCursor): void {
    const { pending, newer } = cursor;
    if (pending) {
      for (const [seq] of pending) if (seq < cursor.next) pending.delete(seq);
      while (pending.has(cursor.next)) {
        const message = pending.get(cursor.next);
        pending.delete(cursor.next);
        if (message) this.deps.emit(message);
        cursor.next++;
      }
      // Back to idle: the map goes until something waits again.
      if (pending.size === 0) cursor.pending = undefined;
    }
    if (newer) {
      for (const [seq] of newer) if (seq < cursor.next) newer.delete(seq);
      if (newer.size === 0) cursor.newer = undefined;
    }
    if (pendingCount(cursor) === 0 && cursor.head < cursor.next) {
      if (cursor.timer) clearTimeout(cursor.timer);
      cursor.timer = undefined;
      cursor.fillAttempts = 0;
    } else {
      this.scheduleFill(chatId, cursor);
    }
  }

  private scheduleFill(chatId: string, cursor: ChatCursor): void {
    if (cursor.timer || cursor.filling || this.disposed || !cursor.anchored) return;
    // A head alone waits for the replay's end: the replay may well bring it.
    if (this.replaying && pendingCount(cursor) === 0) return;
    // A gap behind a message that came live closes fast or never. Behind only this connection's
    // own sends (their acks come straight from the store) it is other senders' messages still on
    // their way from another gateway, as a head reported by the store may still be: fetching them
    // after 30 ms made two gateways fetch most of each other's traffic under load.
    const base = messageWaits(cursor) ? this.deps.gapFillDelayMs : (this.deps.headGraceMs ?? DEFAULT_HEAD_GRACE_MS);
    const delay = base * 2 ** cursor.fillAttempts;
    cursor.timer = setTimeout(() => {
      cursor.timer = undefined;
      void this.fill(chatId, cursor);
    }, delay);
    cursor.timer.unref?.();
  }

  private async fill(chatId: string, cursor: ChatCursor): Promise<void> {
    if (this.disposed || this.chats.get(chatId) !== cursor) return;
    if (this.fillTarget(cursor) < cursor.next) return;
    cursor.filling = true;
    let progressed = false;
    let upTo = 0;
    try {
      // Read when the fetch runs, not when it queues: live deliveries may have closed the gap meanwhile.
      const fetch = async (): Promise<Message[]> => {
        upTo = this.fillTarget(cursor);
        const after = cursor.next - 1;
        return upTo > after ? this.deps.fetchAfter(chatId, after, Math.min(FILL_PAGE, upTo - after)) : [];
      };
      const missing = await (this.deps.fetchLimiter ? this.deps.fetchLimiter.run(fetch) : fetch());
      cursor.filling = false;
      const before = cursor.next;
      for (const message of missing) if (message.seq <= upTo) this.accept(message);
      progressed = cursor.next > before;
    } catch (err) {
      cursor.filling = false;
      if (err instanceof ParleyError && (err.code === 'forbidden' || err.code === 'not_found')) {
        // No longer a member (its chat:removed was lost): stop following the chat.
        this.forget(chatId);
        this.deps.onChatGone?.(chatId);
        return;
      }
      this.deps.onError(err);
    }
    if (this.disposed || this.chats.get(chatId) !== cursor || this.fillTarget(cursor) < cursor.next) return;
    if (progressed)
      cursor.fillAttempts = 0; // a long gap is fetched page by page
    else cursor.fillAttempts++;
    if (cursor.fillAttempts > MAX_FILL_ATTEMPTS) {
      // The store does not have it: never stall the chat, the next connect replays it.
      if (pendingCount(cursor) > 0) {
        const skipTo = lowestPending(cursor);
        if (skipTo > cursor.next) this.deps.onSkipped?.(chatId, cursor.next, skipTo - 1);
        cursor.next = skipTo;
      }
      cursor.head = 0;
      cursor.fillAttempts = 0;
      this.drain(chatId, cursor);
      return;
    }
    this.scheduleFill(chatId, cursor);
  }
}
