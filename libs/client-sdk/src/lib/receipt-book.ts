import type { ChatMember, MessageReceipt, ReceiptType } from '@parley/contracts/client';
import { computeStatus, recipientsOf, type StatusCounts } from './message-status';

interface OwnMessage {
  seq: number;
  clientMsgId: string;
  createdAt: string;
  last: StatusCounts;
}

interface ChatBook {
  members: ChatMember[] | null;
  marks: Map<string, { delivered: number; read: number }>;
  /** Sorted by seq. */
  own: OwnMessage[];
}

export interface StatusChange extends StatusCounts {
  chatId: string;
  seq: number;
  clientMsgId: string;
}

/**
 * The other members' delivered/read watermarks per chat (lower bounds: from `receipt` events
 * and from GET .../receipts) and the status of the user's own stored messages they imply.
 */
export class ReceiptBook {
  private readonly chats = new Map<string, ChatBook>();

  constructor(private readonly selfId: string) {}

  /** Members changed (or became known): every own message is recomputed. */
  setMembers(chatId: string, members: ChatMember[]): StatusChange[] {
    const book = this.book(chatId);
    book.members = members;
    return this.recompute(chatId, book, 0, Number.MAX_SAFE_INTEGER);
  }

  hasMembers(chatId: string): boolean {
    return this.chats.get(chatId)?.members != null;
  }

  /** Registers an own stored message; answers its status now. */
  trackOwn(chatId: string, seq: number, clientMsgId: string, createdAt: string): StatusCounts {
    const book = this.book(chatId);
    const i = lowerBound(book.own, seq);
    if (book.own[i]?.seq === seq) return book.own[i].last;
    const msg: OwnMessage = { seq, clientMsgId, createdAt, last: this.compute(book, seq, createdAt) };
    book.own.splice(i, 0, msg);
    return msg.last;
  }

  /** A `receipt` event: a member's watermark moved up to upToSeq. */
  applyReceipt(chatId: string, userId: string, type: ReceiptType, upToSeq: number): StatusChange[] {
    const book = this.book(chatId);
    const mark = this.mark(book, userId);
    const before = Math.max(mark.delivered, mark.read);
    const beforeRead = mark.read;
    if (type === 'read') mark.read = Math.max(mark.read, upToSeq);
    mark.delivered = Math.max(mark.delivered, mark.read, type === 'delivered' ? upToSeq : 0);
    const from = Math.min(before, beforeRead);
    return this.recompute(chatId, book, from, upToSeq);
  }

  /** GET .../messages/:seq/receipts: each member with a time has its watermark at or above seq. */
  applyMessageReceipts(chatId: string, seq: number, receipts: MessageReceipt[]): StatusChange[] {
    const book = this.book(chatId);
    for (const r of receipts) {
      const mark = this.mark(book, r.userId);
      if (r.readAt) mark.read = Math.max(mark.read, seq);
      if (r.deliveredAt || r.readAt) mark.delivered = Math.max(mark.delivered, seq);
    }
    return this.recompute(chatId, book, 0, seq);
  }

  statusOf(chatId: string, seq: number): StatusCounts | null {
    const book = this.chats.get(chatId);
    if (!book) return null;
    const i = lowerBound(book.own, seq);
    return book.own[i]?.seq === seq ? book.own[i].last : null;
  }

  /** Own message seqs of a chat not yet read by all, ascending. */
  unsettled(chatId: string): number[] {
    return (this.chats.get(chatId)?.own ?? []).filter((m) => m.last.status !== 'read').map((m) => m.seq);
  }

  forget(chatId: string): void {
    this.chats.delete(chatId);
  }

  private book(chatId: string): ChatBook {
    let book = this.chats.get(chatId);
    if (!book) {
      book = { members: null, marks: new Map(), own: [] };
      this.chats.set(chatId, book);
    }
    return book;
  }

  private mark(book: ChatBook, userId: string) {
    let mark = book.marks.get(userId);
    if (!mark) {
      mark = { delivered: 0, read: 0 };
      book.marks.set(userId, mark);
    }
    return mark;
  }

  private compute(book: ChatBook, seq: number, createdAt: string): StatusCounts {
    const recipients = book.members ? recipientsOf(book.members, this.selfId, createdAt) : [];
    return computeStatus(seq, recipients, book.marks);
  }

  /** Recomputes own messages with from < seq <= to; answers those whose status or counts changed. */
  private recompute(chatId: string, book: ChatBook, from: number, to: number): StatusChange[] {
    const changes: StatusChange[] = [];
    for (let i = lowerBound(book.own, from + 1); i < book.own.length && book.own[i].seq <= to; i++) {
      const msg = book.own[i];
      const next = this.compute(book, msg.seq, msg.createdAt);
      if (
        next.status !== msg.last.status ||
        next.deliveredCount !== msg.last.deliveredCount ||
        next.readCount !== msg.last.readCount ||
        next.recipientCount !== msg.last.recipientCount
      ) {
        msg.last = next;
        changes.push({ chatId, seq: msg.seq, clientMsgId: msg.clientMsgId, ...next });
      }
    }
    return changes;
  }
}

function lowerBound(own: OwnMessage[], seq: number): number {
  let lo = 0;
  let hi = own.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (own[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
