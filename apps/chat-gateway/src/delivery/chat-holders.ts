import type { ChatHolderIndex, MessageOrder } from './message-order';

/**
 * chatId -> the connections (their MessageOrder) of this gateway with a cursor for it, so
 * a heads digest costs one lookup per head, not a walk over every connection. One Set entry
 * per (connection, chat), next to the cursor MessageOrder keeps anyway.
 */
export class ChatHolders implements ChatHolderIndex {
  private readonly byChat = new Map<string, Set<MessageOrder>>();

  hold(chatId: string, order: MessageOrder): void {
    let set = this.byChat.get(chatId);
    if (!set) this.byChat.set(chatId, (set = new Set()));
    set.add(order);
  }

  release(chatId: string, order: MessageOrder): void {
    const set = this.byChat.get(chatId);
    if (set?.delete(order) && set.size === 0) this.byChat.delete(chatId);
  }

  holdersOf(chatId: string): Iterable<MessageOrder> {
    return this.byChat.get(chatId) ?? [];
  }

  /** Chats with at least one holder here. */
  get chatCount(): number {
    return this.byChat.size;
  }
}
