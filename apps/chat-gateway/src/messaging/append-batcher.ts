import {
  AppendBatchLimits,
  jsonBytes,
  MessageAppendBatchV1,
  ParleyError,
  type MessageAppendBatchReply,
  type MessageAppendReply,
  type MessageAppendRequest,
} from '@parley/contracts';
import type { NatsConnection } from 'nats';
import { RpcPipeline } from './rpc-pipeline';

interface Waiter {
  item: MessageAppendRequest;
  resolve: (reply: MessageAppendReply) => void;
  reject: (err: unknown) => void;
  onLate?: (reply: MessageAppendReply) => void;
}

/** What an item adds to a request besides its body (ids, field names, JSON), generously. */
const ITEM_OVERHEAD_BYTES = 200;

export interface ChatMemberLists {
  memberIds: string[];
  mutedMemberIds: string[];
}

export interface AppendBatcherOptions {
  subjectPrefix: string;
  timeoutMs: number;
  maxInFlight: number;
  /** A chat's members when message-store left them out of a reply to keep it within its byte budget. */
  membersOf: (chatId: string, userId: string) => Promise<ChatMemberLists>;
}

/**
 * The gateway's side of group commit: the message:send events of one event-loop turn go to
 * message-store in as few message.append-batch.v1 requests as AppendBatchLimits allow, and
 * message-store commits what arrives together in one transaction; each send still gets its
 * own answer (or error) back, and a batch answered after the timeout still hands each
 * stored message to its `onLate`. At most `maxInFlight` appends wait at once; beyond,
 * `unavailable` at once (backpressure).
 */
export class AppendBatcher {
  private readonly pipeline: RpcPipeline<typeof MessageAppendBatchV1>;
  private queue: Waiter[] = [];
  private inFlight = 0;

  constructor(
    nc: NatsConnection,
    private readonly options: AppendBatcherOptions,
  ) {
    this.pipeline = new RpcPipeline(nc, MessageAppendBatchV1, options);
  }

  append(item: MessageAppendRequest, onLate?: (reply: MessageAppendReply) => void): Promise<MessageAppendReply> {
    if (this.inFlight >= this.options.maxInFlight) return Promise.reject(new ParleyError('unavailable', 'message-store is overloaded; retry'));
    this.inFlight++;
    return new Promise<MessageAppendReply>((resolve, reject) => {
      this.queue.push({ item, resolve, reject, onLate });
      if (this.queue.length === 1) setImmediate(this.flush);
    }).finally(() => this.inFlight--);
  }

  close(): void {
    this.pipeline.close();
  }

  private readonly flush = (): void => {
    const waiters = this.queue;
    this.queue = [];
    for (const part of splitByLimits(waiters)) this.send(part);
  };

  private send(part: Waiter[]): void {
    this.pipeline
      .request({ items: part.map((w) => w.item) }, (late) => {
        part.forEach((w, k) => {
          this.answer(late, w, k).then(
            (a) => w.onLate?.(a),
            () => undefined,
          );
        });
      })
      .then(
        (reply) => {
          part.forEach((w, k) => {
            this.answer(reply, w, k).then(w.resolve, w.reject);
          });
        },
        (err: unknown) => {
          for (const w of part) w.reject(err);
        },
      );
  }

  private async answer(reply: MessageAppendBatchReply, w: Waiter, k: number): Promise<MessageAppendReply> {
    const r = reply.results[k];
    if (!r) throw new ParleyError('internal', 'message-store answered too few items');
    if (!r.ok) throw new ParleyError(r.error.code, r.error.message);
    const members = reply.members[r.reply.message.chatId] ?? (await this.lookUpMembers(r.reply.message.chatId, w.item.senderId));
    return { ...r.reply, ...members };
  }

  /** The message is stored whatever happens here: without members it reaches them by repair. */
  private lookUpMembers(chatId: string, senderId: string): Promise<ChatMemberLists> {
    return this.options.membersOf(chatId, senderId).catch(() => ({ memberIds: [], mutedMemberIds: [] }));
  }
}

/** Consecutive runs of waiters, each within AppendBatchLimits (items, distinct chats, JSON bytes of bodies). */
export function splitByLimits<W extends { item: MessageAppendRequest }>(waiters: W[]): W[][] {
  const parts: W[][] = [];
  let part: W[] = [];
  let chats = new Set<string>();
  let bytes = 0;
  for (const w of waiters) {
    // As JSON puts it on the wire: a control character is 6 bytes there, 1 in UTF-8.
    const size = jsonBytes(w.item.body) + ITEM_OVERHEAD_BYTES;
    const newChat = !chats.has(w.item.chatId);
    if (
      part.length > 0 &&
      (part.length >= AppendBatchLimits.maxItems || (newChat && chats.size >= AppendBatchLimits.maxChats) || bytes + size > AppendBatchLimits.maxBodyBytes)
    ) {
      parts.push(part);
      part = [];
      chats = new Set();
      bytes = 0;
    }
    part.push(w);
    chats.add(w.item.chatId);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}
