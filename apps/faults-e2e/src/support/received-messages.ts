import type { Message } from '@parley/contracts';
import type { TestUser } from '@parley/shared/testing';

/**
 * What one client app received, whichever its transport: the first copy of every (chatId, seq)
 * (as docs/protocol.md tells clients to dedupe), what came again, and per chat the seq up to
 * which it holds every message (what it acknowledges as delivered).
 */
export class ReceivedMessages {
  /** First copy of every (chatId, seq) received, on any connection. */
  readonly received = new Map<string, Message>();
  /** A (chatId, seq) received again with a different message id: corruption. */
  conflicts = 0;
  /** A (chatId, seq) sent twice within ONE connection: docs/protocol.md forbids it. */
  duplicatesWithinConnection = 0;
  /** Copies of an already received (chatId, seq) on a later connection (allowed, deduped). */
  redelivered = 0;
  /** Contiguous seq received per chat, and what was acknowledged. */
  readonly contiguous = new Map<string, number>();
  readonly ackedUpTo = new Map<string, number>();
  private seenThisConnection = new Set<string>();

  /** A new connection: copies on it of what earlier ones brought are allowed (and deduped). */
  newConnection(): void {
    this.seenThisConnection = new Set();
  }

  /** Records one message:new; true when it is the first copy of its (chatId, seq). */
  record(m: Message): boolean {
    const key = `${m.chatId}:${m.seq}`;
    if (this.seenThisConnection.has(key)) this.duplicatesWithinConnection++;
    this.seenThisConnection.add(key);
    const first = this.received.get(key);
    if (first) {
      if (first.id !== m.id) this.conflicts++;
      else this.redelivered++;
      return false;
    }
    this.received.set(key, m);
    let upTo = this.contiguous.get(m.chatId) ?? 0;
    while (this.received.has(`${m.chatId}:${upTo + 1}`)) upTo++;
    this.contiguous.set(m.chatId, upTo);
    return true;
  }

  /** Chats whose contiguous seq moved past what was acknowledged, with that seq. */
  unacked(): [string, number][] {
    return [...this.contiguous].filter(([chatId, upTo]) => upTo >= 1 && (this.ackedUpTo.get(chatId) ?? 0) < upTo);
  }

  acked(chatId: string, upTo: number): void {
    this.ackedUpTo.set(chatId, Math.max(upTo, this.ackedUpTo.get(chatId) ?? 0));
  }
}

/** A test client app of one user with its ReceivedMessages, as the checker reads it (either transport). */
export abstract class RecordingClient {
  readonly ledger = new ReceivedMessages();

  constructor(readonly user: TestUser) {}

  get userId(): string {
    return this.user.user.id;
  }
  get received(): Map<string, Message> {
    return this.ledger.received;
  }
  get conflicts(): number {
    return this.ledger.conflicts;
  }
  get redelivered(): number {
    return this.ledger.redelivered;
  }
  get duplicatesWithinConnection(): number {
    return this.ledger.duplicatesWithinConnection;
  }
}
