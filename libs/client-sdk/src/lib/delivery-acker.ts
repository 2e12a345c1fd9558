/**
 * Automatic `message:delivered` acks: debounced, one per chat, for the highest contiguous
 * seq held. An ack that fails stays due and is sent again at the next flush (reconnect).
 */
export class DeliveryAcker {
  private readonly acked = new Map<string, number>();
  private readonly due = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing = false;

  constructor(
    private readonly target: (chatId: string) => number | null,
    private readonly send: (chatId: string, upToSeq: number) => Promise<void>,
    private readonly delayMs: number,
  ) {}

  schedule(chatId: string): void {
    this.due.add(chatId);
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.delayMs);
    }
  }

  /**
   * The server replayed seq again, so its watermark is below it (an earlier ack was lost):
   * ack again even if we believe we did.
   */
  serverIsBelow(chatId: string, seq: number): void {
    const acked = this.acked.get(chatId);
    if (acked !== undefined && acked >= seq) this.acked.set(chatId, seq - 1);
    this.schedule(chatId);
  }

  /** Sends what is due now; chats whose ack fails stay due. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (const chatId of [...this.due]) {
        const upToSeq = this.target(chatId);
        if (upToSeq === null || upToSeq <= (this.acked.get(chatId) ?? 0)) {
          this.due.delete(chatId);
          continue;
        }
        try {
          await this.send(chatId, upToSeq);
          this.acked.set(chatId, Math.max(upToSeq, this.acked.get(chatId) ?? 0));
          if ((this.target(chatId) ?? 0) <= upToSeq) this.due.delete(chatId);
        } catch {
          // Not connected or refused for now: stays due for the next flush.
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  forget(chatId: string): void {
    this.acked.delete(chatId);
    this.due.delete(chatId);
  }

  forgetAll(): void {
    this.acked.clear();
    this.due.clear();
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
