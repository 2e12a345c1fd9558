import {
  AppendBatchLimits,
  jsonBytes,
  MessageAppendBatchV1,
  ParleyError,
  type MessageAppendBatchReply,
  type MessageAppendReply,
  type MessageAppendRequest,
} from '@parley/contracts';
import { MicroBatcher, type BatchLimits } from '@parley/shared/util-batching';
import type { NatsBus, RpcPipeline } from '@parley/shared/util-nats';

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
  private readonly batches = new MicroBatcher<Waiter>((part) => this.send(part), APPEND_BATCH_LIMITS);
  private inFlight = 0;

  constructor(
    bus: NatsBus,
    private readonly options: AppendBatcherOptions,
  ) {
    this.pipeline = bus.pipeline(MessageAppendBatchV1, { maxInFlight: options.maxInFlight });
  }

  append(item: MessageAppendRequest, onLate?: (reply: MessageAppendReply) => void): Promise<MessageAppendReply> {
    if (this.inFlight >= this.options.maxInFlight)
      return Promise.reject(new ParleyError('unavailable', 'message-store is overloaded; retry'));
    this.inFlight++;
    return new Promise<MessageAppendReply>((resolve, reject) => {
      this.batches.add({ item, resolve, reject, onLate });
    }).finally(() => this.inFlight--);
  }

  close(): void {
    for (const w of this.batches.clear()) w.reject(new ParleyError('unavailable', 'shutting down'));
    this.pipeline.close();
  }

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
    const { eventSeqBaseIdx, ...stored } = r.reply;
    const listed = reply.members[stored.message.chatId];
    if (!listed) return { ...stored, ...(await this.lookUpMembers(stored.message.chatId, w.item.senderId)) };
    const eventSeqBase = eventSeqBaseIdx === undefined ? undefined : listed.eventSeqBases?.[eventSeqBaseIdx];
    return {
      ...stored,
      memberIds: listed.memberIds,
      mutedMemberIds: listed.mutedMemberIds,
      ...(eventSeqBase ? { eventSeqBase } : {}),
    };
  }

  /** The message is stored whatever happens here: without members it reaches them by repair. */
  private lookUpMembers(chatId: string, senderId: string): Promise<ChatMemberLists> {
    return this.options.membersOf(chatId, senderId).catch(() => ({ memberIds: [], mutedMemberIds: [] }));
  }
}

/**
 * A request stays within AppendBatchLimits: items, distinct chats (member lists travel once per
 * chat), and JSON bytes of bodies (as JSON puts them on the wire: a control character is 6
 * bytes there, 1 in UTF-8).
 */
export const APPEND_BATCH_LIMITS: BatchLimits<{ item: MessageAppendRequest }> = {
  maxItems: AppendBatchLimits.maxItems,
  maxKeys: AppendBatchLimits.maxChats,
  keysOf: (w) => w.item.chatId,
  maxWeight: AppendBatchLimits.maxBodyBytes,
  weightOf: (w) => jsonBytes(w.item.body) + ITEM_OVERHEAD_BYTES,
};
