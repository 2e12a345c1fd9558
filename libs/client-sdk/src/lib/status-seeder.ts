import type { MessageReceipt } from '@parley/contracts/client';
import type { ReceiptBook, StatusChange } from './receipt-book';

/**
 * Seeds the status of own messages loaded from history with GET .../messages/:seq/receipts.
 * Watermarks only move forward, so along a chat's own messages the status never rises with
 * seq: a binary search finds the last "read by all" and the last "delivered to all" with
 * O(log n) requests instead of one per message.
 */
export async function seedStatuses(
  book: ReceiptBook,
  chatId: string,
  fetchReceipts: (chatId: string, seq: number) => Promise<MessageReceipt[]>,
  onChanges: (changes: StatusChange[]) => void,
): Promise<void> {
  const seqs = book.unsettled(chatId);
  if (seqs.length === 0) return;
  const probed = new Set<number>();
  const statusAt = async (i: number) => {
    const seq = seqs[i];
    if (!probed.has(seq)) {
      probed.add(seq);
      onChanges(book.applyMessageReceipts(chatId, seq, await fetchReceipts(chatId, seq)));
    }
    return book.statusOf(chatId, seq)?.status ?? 'sent';
  };
  const lastWhere = async (from: number, test: (s: string) => boolean): Promise<number> => {
    let lo = from;
    let hi = seqs.length - 1;
    let found = from - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (test(await statusAt(mid))) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  };
  // The common case first: the newest own message was read by all, so all were.
  const newest = await statusAt(seqs.length - 1);
  if (newest === 'read') return;
  const lastRead = await lastWhere(0, (s) => s === 'read');
  if (newest === 'delivered') return;
  await lastWhere(lastRead + 1, (s) => s === 'read' || s === 'delivered');
}
