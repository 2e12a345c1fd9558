import { ParleyError, type ReplyOf, type RequestOf, type RpcContract } from '@parley/contracts';
import { MicroBatcher } from '@parley/shared/util-batching';
import { createInbox, type Msg, type NatsConnection, type NatsError, type Subscription } from 'nats';
import { decodeReply, packetCodec, requestFailure } from './nats-packets';

interface Pending {
  resolve: (reply: unknown) => void;
  reject: (err: unknown) => void;
  deadline: number;
  onLate?: (reply: unknown) => void;
}

export interface RpcPipelineOptions {
  subjectPrefix: string;
  timeoutMs: number;
  maxInFlight: number;
  /** The connection's inbox prefix (NatsBusOptions.inboxPrefix): the app may subscribe only under it. */
  inboxPrefix?: string;
}

const SWEEP_MS = 100;
/** How long, and for how many requests, a reply that comes after the timeout is still used. */
const LATE_MS = 60_000;
const MAX_LATE = 10_000;

/**
 * Request/reply for hot paths (one request per message), in the same wire format as
 * NatsBus.request, so the same @MessagePattern handlers answer it. What it saves per request:
 * nats.js's request makes an Error (a stack trace) and a timer for every call and writes to
 * the socket once per I/O callback; here replies come back on ONE long-lived inbox
 * subscription, one sweep expires overdue requests, and all requests of an event-loop turn
 * leave in one socket write. Errors are mapped as by NatsBus (decodeReply, requestFailure);
 * at most `maxInFlight` requests wait at once (beyond: `unavailable` at once, i.e.
 * backpressure instead of an unbounded queue).
 */
export class RpcPipeline<C extends RpcContract<unknown, unknown>> {
  private readonly inbox: string;
  private readonly pending = new Map<string, Pending>();
  /** Timed-out requests whose reply still matters (a stored message still has to be fanned out). */
  private readonly late = new Map<string, { onLate: (reply: unknown) => void; until: number }>();
  private readonly sub: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private readonly subject: string;
  private next = 0;
  /**
   * Each socket's message arrives in its own I/O callback, and nats.js writes its buffer at the
   * end of each: one syscall per message. Publishing at the end of the turn instead puts every
   * request of the turn into one write.
   */
  private readonly outbox = new MicroBatcher<{ id: string; payload: RequestOf<C> }>((batch) => this.publishAll(batch));

  constructor(
    private readonly nc: NatsConnection,
    private readonly contract: C,
    private readonly options: RpcPipelineOptions,
  ) {
    this.inbox = createInbox(options.inboxPrefix);
    this.subject = `${options.subjectPrefix}${contract.subject}`;
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => this.onReply(err, msg) });
    this.sweeper = setInterval(() => this.expire(), SWEEP_MS);
    this.sweeper.unref();
  }

  /**
   * `onLate` gets the reply if it comes after the request timed out (the caller was
   * already told `unavailable`): e.g. the message was stored, so it must still be fanned out.
   */
  request(payload: RequestOf<C>, onLate?: (reply: ReplyOf<C>) => void): Promise<ReplyOf<C>> {
    if (this.pending.size >= this.options.maxInFlight) {
      return Promise.reject(new ParleyError('unavailable', `${this.contract.queue} is overloaded; retry`));
    }
    const id = (this.next++).toString(36);
    return new Promise<ReplyOf<C>>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (r: unknown) => void,
        reject,
        deadline: Date.now() + this.options.timeoutMs,
        onLate: onLate as ((r: unknown) => void) | undefined,
      });
      this.outbox.add({ id, payload });
    });
  }

  private publishAll(batch: { id: string; payload: RequestOf<C> }[]): void {
    for (const { id, payload } of batch) {
      try {
        this.nc.publish(this.subject, packetCodec.encode({ pattern: this.contract.subject, data: payload, id }), {
          reply: `${this.inbox}.${id}`,
        });
      } catch (err) {
        const p = this.pending.get(id);
        this.pending.delete(id);
        p?.reject(requestFailure(err, this.contract.queue));
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.outbox.clear();
    this.sub.unsubscribe();
    for (const p of this.pending.values()) p.reject(new ParleyError('unavailable', 'shutting down'));
    this.pending.clear();
    this.late.clear();
  }

  private onReply(err: NatsError | null, msg: Msg): void {
    if (err || !msg) return;
    const id = msg.subject.slice(this.inbox.length + 1);
    const p = this.pending.get(id);
    if (p) {
      this.pending.delete(id);
      try {
        p.resolve(decodeReply(msg, this.contract.queue));
      } catch (e) {
        p.reject(e);
      }
      return;
    }
    const late = this.late.get(id);
    if (!late) return;
    this.late.delete(id);
    try {
      late.onLate(decodeReply(msg, this.contract.queue));
    } catch {
      // an error answer after all (nothing was stored), or onLate failed: nothing more to do here
    }
  }

  /**
   * The connection dropped: a request sent through it may never be answered (its server may be
   * gone), so waiting out the timeout helps no one. Each is answered `unavailable` now (retry-safe)
   * and, as after a timeout, its reply is still used if it comes after the reconnect.
   */
  failPending(reason: string): void {
    const now = Date.now();
    for (const [id, p] of this.pending) this.giveUp(id, p, now, reason);
  }

  private giveUp(id: string, p: Pending, now: number, reason: string): void {
    this.pending.delete(id);
    if (p.onLate) {
      if (this.late.size >= MAX_LATE) this.late.delete(this.late.keys().next().value as string);
      this.late.set(id, { onLate: p.onLate, until: now + LATE_MS });
    }
    p.reject(new ParleyError('unavailable', `${this.contract.queue} ${reason}`));
  }

  private expire(): void {
    const now = Date.now();
    // Insertion order is deadline order (one timeout for all): stop at the first live one.
    for (const [id, p] of this.pending) {
      if (p.deadline > now) break;
      this.giveUp(id, p, now, 'did not answer in time');
    }
    for (const [id, l] of this.late) {
      if (l.until > now) break;
      this.late.delete(id);
    }
  }
}
