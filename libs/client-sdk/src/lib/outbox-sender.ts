import type { AckBodies, Message } from '@parley/contracts/client';
import { toClientError, type ParleyClientError } from './errors';
import type { Outbox, OutboxEntry } from './outbox';
import { ClientEvent } from './protocol';

export interface OutboxSenderDeps {
  outbox: () => Outbox;
  request: <T extends object>(event: string, payload: unknown, timeoutMs: number) => Promise<T>;
  connected: () => boolean;
  ackTimeoutMs: number;
  /** eventSeq: the ack's position of this message in the user's event stream, when it has one. */
  onStored: (entry: OutboxEntry, message: Message, eventSeq?: number) => void;
  onFailed: (entry: OutboxEntry, error: ParleyClientError) => void;
}

/**
 * Sends the outbox, oldest first, one at a time so the chat keeps the user's order. A
 * message is removed only when the server answered: stored (ack) or refused for good.
 * Timeouts and lost connections resend the same clientMsgId, which the server stores once.
 */
export class OutboxSender {
  private running = false;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelayMs = 1000;

  constructor(private readonly deps: OutboxSenderDeps) {}

  /** Call on every new entry and on every connect. */
  kick(): void {
    void this.run();
  }

  dispose(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.drain();
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  private async drain(): Promise<void> {
    const outbox = this.deps.outbox();
    for (const entry of outbox.entries()) {
      if (!this.deps.connected()) return;
      if (!outbox.has(entry.chatId, entry.clientMsgId)) continue;
      try {
        const ack = await this.deps.request<AckBodies[typeof ClientEvent.MessageSend]>(
          ClientEvent.MessageSend,
          {
            chatId: entry.chatId,
            clientMsgId: entry.clientMsgId,
            body: entry.body,
            ...(entry.replyToSeq !== undefined ? { replyToSeq: entry.replyToSeq } : {}),
          },
          this.deps.ackTimeoutMs,
        );
        this.retryDelayMs = 1000;
        await outbox.remove(entry.chatId, entry.clientMsgId);
        this.deps.onStored(entry, ack.message, ack.eventSeq);
      } catch (err) {
        const error = toClientError(err);
        if (error.retryable) {
          // Keep the order: nothing after it goes before it. A lost connection waits for the next connect.
          if (error.code !== 'network') this.retryLater();
          return;
        }
        await outbox.remove(entry.chatId, entry.clientMsgId);
        this.deps.onFailed(entry, error);
      }
    }
  }

  private retryLater(): void {
    if (this.retryTimer !== null) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 15_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
  }
}
