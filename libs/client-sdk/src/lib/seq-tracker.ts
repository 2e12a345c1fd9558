/**
 * What this client holds of each chat, by seq: drops replayed duplicates by (chatId, seq)
 * and knows the highest contiguous seq received (the `message:delivered` watermark to ack).
 *
 * The floor of a chat (every seq <= floor is held) is unknown until the first message of the
 * server's ordered stream, or the latest history page, shows where it is: the server sends a
 * chat's messages in seq order starting just above the user's delivered watermark.
 */
export class SeqTracker {
  private readonly chats = new Map<string, { floor: number | null; above: Set<number> }>();

  /** A message from the server's stream. True when it is new, false for a duplicate. */
  receive(chatId: string, seq: number): boolean {
    const chat = this.chat(chatId);
    if (chat.floor === null) setFloor(chat, seq - 1);
    return this.add(chat, seq);
  }

  /**
   * A message held by other means (own ack, history). Establishes no floor, so an own send
   * acked before the replay of older messages does not claim them delivered.
   */
  hold(chatId: string, seq: number): boolean {
    return this.add(this.chat(chatId), seq);
  }

  /** A contiguous range lo..hi held at once (a history page); `establish` sets an unknown floor to lo - 1. */
  holdRange(chatId: string, lo: number, hi: number, establish: boolean): void {
    const chat = this.chat(chatId);
    if (establish && chat.floor === null) setFloor(chat, lo - 1);
    for (let seq = lo; seq <= hi; seq++) this.add(chat, seq);
  }

  has(chatId: string, seq: number): boolean {
    const chat = this.chats.get(chatId);
    if (!chat) return false;
    return (chat.floor !== null && seq <= chat.floor) || chat.above.has(seq);
  }

  /** Highest seq with every seq up to it held; null while unknown or nothing is held. */
  contiguous(chatId: string): number | null {
    const floor = this.chats.get(chatId)?.floor ?? null;
    return floor === null || floor < 1 ? null : floor;
  }

  forget(chatId: string): void {
    this.chats.delete(chatId);
  }

  private chat(chatId: string) {
    let chat = this.chats.get(chatId);
    if (!chat) {
      chat = { floor: null, above: new Set() };
      this.chats.set(chatId, chat);
    }
    return chat;
  }

  private add(chat: { floor: number | null; above: Set<number> }, seq: number): boolean {
    if (chat.floor !== null && seq <= chat.floor) return false;
    if (chat.above.has(seq)) return false;
    chat.above.add(seq);
    if (chat.floor !== null) {
      while (chat.above.delete(chat.floor + 1)) chat.floor++;
    }
    return true;
  }
}

function setFloor(chat: { floor: number | null; above: Set<number> }, floor: number): void {
  chat.floor = floor;
  for (const seq of chat.above) if (seq <= floor) chat.above.delete(seq);
  while (chat.above.delete(chat.floor + 1)) chat.floor++;
}
