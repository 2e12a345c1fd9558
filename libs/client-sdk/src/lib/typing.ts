import type { TypingState } from './protocol';

/**
 * Incoming typing indicators with a safety expiry: a lost `isTyping: false` (the typist
 * went offline) does not leave "typing..." on screen forever.
 */
export class TypingTracker {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly emit: (t: TypingState) => void,
    private readonly expireMs = 6000,
  ) {}

  apply(t: TypingState): void {
    const key = `${t.chatId}|${t.userId}`;
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
    if (t.isTyping) {
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          this.emit({ ...t, isTyping: false });
        }, this.expireMs),
      );
    } else if (!timer) {
      return;
    }
    this.emit(t);
  }

  /** The typist's message arrived: they stopped typing it. */
  clear(chatId: string, userId: string): void {
    if (this.timers.has(`${chatId}|${userId}`)) this.apply({ chatId, userId, isTyping: false });
  }

  isTyping(chatId: string, userId: string): boolean {
    return this.timers.has(`${chatId}|${userId}`);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * Outgoing typing: call `keystroke` on every input change; it sends `isTyping: true` at most
 * every `repeatMs` and `false` after `idleMs` without keystrokes (or on `stop`).
 */
export class TypingNotifier {
  private readonly state = new Map<string, { sentAt: number; idle: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly send: (chatId: string, isTyping: boolean) => void,
    private readonly idleMs = 3000,
    private readonly repeatMs = 2500,
  ) {}

  keystroke(chatId: string): void {
    const now = Date.now();
    const s = this.state.get(chatId);
    if (s) clearTimeout(s.idle);
    const idle = setTimeout(() => this.stop(chatId), this.idleMs);
    if (!s || now - s.sentAt >= this.repeatMs) {
      this.state.set(chatId, { sentAt: now, idle });
      this.send(chatId, true);
    } else {
      this.state.set(chatId, { sentAt: s.sentAt, idle });
    }
  }

  stop(chatId: string): void {
    const s = this.state.get(chatId);
    if (!s) return;
    clearTimeout(s.idle);
    this.state.delete(chatId);
    this.send(chatId, false);
  }

  dispose(): void {
    for (const s of this.state.values()) clearTimeout(s.idle);
    this.state.clear();
  }
}
