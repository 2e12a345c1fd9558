import type { MessageStatus, OutboxEntry } from '@parley/client-sdk';
import type { Message } from '@parley/contracts/client';

export interface Conversation {
  messages: Message[];
  hasMore: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  error: string | null;
}

export const emptyConversation: Conversation = {
  messages: [],
  hasMore: false,
  loaded: false,
  loadingOlder: false,
  error: null,
};

/** Union by seq, ascending: history pages, live messages and acks all meet here once. */
export function mergeMessages(existing: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return existing;
  const bySeq = new Map<number, Message>();
  for (const m of existing) bySeq.set(m.seq, m);
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; message: Message; own: boolean; status: MessageStatus | null }
  | { kind: 'outbox'; key: string; entry: OutboxEntry; status: 'pending' | 'failed'; error?: string };

/**
 * What the conversation shows: stored messages by seq, then what is still in the outbox
 * (clock icon) or was refused, with a day separator whenever the date changes.
 */
export function buildRows(
  messages: Message[],
  outbox: OutboxEntry[],
  failed: { entry: OutboxEntry; error: string }[],
  meId: string,
  statusOf: (m: Message) => MessageStatus | null,
  dayLabel: (iso: string) => string,
): Row[] {
  const rows: Row[] = [];
  let lastDay = '';
  const day = (iso: string) => {
    const label = dayLabel(iso);
    if (label !== lastDay) {
      lastDay = label;
      rows.push({ kind: 'day', key: `day-${iso}`, label });
    }
  };
  const stored = new Set(messages.map((m) => m.clientMsgId + '|' + m.senderId));
  for (const m of messages) {
    day(m.createdAt);
    const own = m.senderId === meId;
    rows.push({ kind: 'message', key: `m-${m.seq}`, message: m, own, status: own ? statusOf(m) : null });
  }
  for (const entry of outbox) {
    if (stored.has(entry.clientMsgId + '|' + meId)) continue;
    day(entry.createdAt);
    rows.push({ kind: 'outbox', key: `o-${entry.clientMsgId}`, entry, status: 'pending' });
  }
  for (const f of failed) {
    day(f.entry.createdAt);
    rows.push({ kind: 'outbox', key: `f-${f.entry.clientMsgId}`, entry: f.entry, status: 'failed', error: f.error });
  }
  return rows;
}
