import type { ChatMember, Message } from '@parley/contracts/client';
import type { ParleyClientError } from './errors';

/**
 * pending: in the outbox, not acknowledged yet; sent: stored by the server (one grey tick);
 * delivered: reached every other member's device (two grey ticks); read: read by every other
 * member (two blue ticks); failed: refused by the server for good (e.g. forbidden).
 */
export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface StatusCounts {
  status: MessageStatus;
  /** Members (other than the sender, present when it was sent) it reached / who read it. */
  deliveredCount: number;
  readCount: number;
  recipientCount: number;
}

export interface MessageStatusEvent extends StatusCounts {
  chatId: string;
  clientMsgId: string;
  seq: number | null;
  /** The stored message, once acknowledged. */
  message?: Message;
  error?: ParleyClientError;
}

export const STATUS_ORDER: Record<MessageStatus, number> = { failed: -1, pending: 0, sent: 1, delivered: 2, read: 3 };

/** Status of a stored message from the members' watermarks; group rules: "to all" / "by all". */
export function computeStatus(
  seq: number,
  recipients: readonly string[],
  marks: ReadonlyMap<string, { delivered: number; read: number }>,
): StatusCounts {
  let deliveredCount = 0;
  let readCount = 0;
  for (const userId of recipients) {
    const m = marks.get(userId);
    if (!m) continue;
    if (Math.max(m.delivered, m.read) >= seq) deliveredCount++;
    if (m.read >= seq) readCount++;
  }
  const n = recipients.length;
  const status: MessageStatus =
    n > 0 && readCount === n ? 'read' : n > 0 && deliveredCount === n ? 'delivered' : 'sent';
  return { status, deliveredCount, readCount, recipientCount: n };
}

/** Members other than the sender who were in the chat when the message was stored. */
export function recipientsOf(members: readonly ChatMember[], senderId: string, createdAt: string): string[] {
  const at = Date.parse(createdAt);
  return members.filter((m) => m.userId !== senderId && !(Date.parse(m.joinedAt) > at)).map((m) => m.userId);
}
