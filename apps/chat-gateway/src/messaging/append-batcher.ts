import { MessageAppendBatchV1, ParleyError, type MessageAppendReply, type MessageAppendRequest } from '@parley/contracts';
import type { NatsConnection } from 'nats';
import { RpcPipeline } from './rpc-pipeline';

/** Items per message.append-batch.v1 request (the contract's limit). */
const MAX_ITEMS_PER_REQUEST = 1000;

interface Waiter {
  item: MessageAppendRequest;
  resolve: (reply: MessageAppendReply) => void;
  reject: (err: unknown) => void;
  onLate?: (reply: MessageAppendReply) => void;
}

/**
 * The gateway's side of group commit: every message:send of one event-loop turn goes to
 * message-store in ONE message.append-batch.v1 request, and message-store commits them
 * in one transaction; each send still gets its own answer (or error) back, and a batch
 * answered after the timeout still hands each stored message to its `onLate`. At most
 * `maxInFlight` appends wait at once; beyond, `unavailable` at once (backpressure).
 */
export class AppendBatcher {
  private readonly pipeline: RpcPipeline<typeof MessageAppendBatchV1>;
  private queue: Waiter[] = [];
  private inFlight = 0;

  constructor(
    nc: NatsConnection,
    options: { subjectPrefix: string; timeoutMs: number },
    private readonly maxInFlight: number,
  ) {
    this.pipeline = new RpcPipeline(nc, MessageAppendBatchV1, { ...options, maxInFlight: Math.ceil(maxInFlight / 10) });
  }

  append(item: MessageAppendRequest, onLate?: (reply: MessageAppendReply) => void): Promise<MessageAppendReply> {
    if (this.inFlight >= this.maxInFlight) return Promise.reject(new ParleyError('unavailable', 'message-store is overloaded; retry'));
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
    for (let i = 0; i < waiters.length; i += MAX_ITEMS_PER_REQUEST) {
      const part = waiters.slice(i, i + MAX_ITEMS_PER_REQUEST);
      this.pipeline
        .request({ items: part.map((w) => w.item) }, ({ results }) => {
          part.forEach((w, k) => {
            const r = results[k];
            if (r?.ok) w.onLate?.(r.reply);
          });
        })
        .then(
          ({ results }) => {
            part.forEach((w, k) => {
              const r = results[k];
              if (!r) w.reject(new ParleyError('internal', 'message-store answered too few items'));
              else if (r.ok) w.resolve(r.reply);
              else w.reject(new ParleyError(r.error.code, r.error.message));
            });
          },
          (err: unknown) => {
            for (const w of part) w.reject(err);
          },
        );
    }
  };
}
