import { ParleyError, type ReplyOf, type RequestOf, type RpcContract } from '@parley/contracts';
import { createInbox, JSONCodec, type Msg, type NatsConnection, type NatsError, type Subscription } from 'nats';

interface Pending {
  resolve: (reply: unknown) => void;
  reject: (err: unknown) => void;
  deadline: number;
  onLate?: (reply: unknown) => void;
}

const codec = JSONCodec<unknown>();
const SWEEP_MS = 100;
/** How long, and for how many requests, a reply that comes after the timeout is still used. */
const LATE_MS = 60_000;
const MAX_LATE = 10_000;

/**
 * Request/reply for the gateway's hot paths (one request per message), in the same wire
 * format as NatsBus.request (Nest's `{pattern, data, id}` / `{id, response | err}`), so
 * the same @MessagePattern handlers answer it. What it saves per request: nats.js's
 * request makes an Error (a stack trace) and a timer for every call and writes to the
 * socket once per I/O callback; here replies come back on ONE long-lived inbox
 * subscription, one sweep expires overdue requests, and all requests of an event-loop
 * turn leave in one socket write. No responders and timeouts are `unavailable`, as with
 * NatsBus; at most `maxInFlight` requests wait at once (beyond: `unavailable` at once,
 * i.e. backpressure instead of an unbounded queue).
 */
export class RpcPipeline<C extends RpcContract<unknown, unknown>> {
  private readonly inbox = createInbox();
  private readonly pending = new Map<string, Pending>();
  /** Timed-out requests whose reply still matters (a stored message still has to be fanned out). */
  private readonly late = new Map<string, { onLate: (reply: unknown) => void; until: number }>();
  private readonly sub: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;
  private outbox: { id: string; payload: RequestOf<C> }[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly contract: C,
    private readonly options: { subjectPrefix: string; timeoutMs: number; maxInFlight: number },
  ) {
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => this.onReply(err, msg) });
    this.sweeper = setInterval(() => this.expire(), SWEEP_MS);
    this.sweeper.unref();
  }

  get inFlight(): number {
    return this.pending.size;
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
      this.outbox.push({ id, payload });
      if (this.outbox.length === 1) setImmediate(this.publishAll);
    });
  }

  /**
   * Each socket's message arrives in its own I/O callback, and nats.js writes its buffer
   * at the end of each: one syscall per message. Publishing at setImmediate instead puts
   * every request of the event-loop turn into one write.
   */
  private readonly publishAll = (): void => {
    const outbox = this.outbox;
    this.outbox = [];
    const subject = `${this.options.subjectPrefix}${this.contract.subject}`;
    for (const { id, payload } of outbox) {
      try {
        this.nc.publish(subject, codec.encode({ pattern: this.contract.subject, data: payload, id }), { reply: `${this.inbox}.${id}` });
      } catch (err) {
        const p = this.pending.get(id);
        this.pending.delete(id);
        p?.reject(new ParleyError('unavailable', `messaging is unavailable (${(err as Error).message})`));
      }
    }
  };

  close(): void {
    clearInterval(this.sweeper);
    this.sub.unsubscribe();
    for (const p of this.pending.values()) p.reject(new ParleyError('unavailable', 'shutting down'));
    this.pending.clear();
    this.late.clear();
  }

  private onReply(err: NatsError | null, msg: Msg): void {
    if (err || !msg) return;
    const id = msg.subject.slice(this.inbox.length + 1);
    const p = this.pending.get(id);
    if (!p) {
      const late = this.late.get(id);
      if (!late) return;
      this.late.delete(id);
      try {
        const reply = codec.decode(msg.data) as { response?: unknown; err?: unknown };
        if ((reply.err === undefined || reply.err === null) && msg.headers?.code !== 503) late.onLate(reply.response);
      } catch {
        // malformed: nothing to do
      }
      return;
    }
    this.pending.delete(id);
    // The server answers a request nobody subscribes to with status 503 (no responders).
    if (msg.headers?.code === 503) {
      p.reject(new ParleyError('unavailable', `${this.contract.queue} is not available`));
      return;
    }
    let reply: { response?: unknown; err?: unknown };
    try {
      reply = codec.decode(msg.data) as { response?: unknown; err?: unknown };
    } catch {
      p.reject(new ParleyError('internal', `${this.contract.queue} sent a malformed reply`));
      return;
    }
    if (reply.err !== undefined && reply.err !== null) {
      p.reject(ParleyError.isBody(reply.err) ? new ParleyError(reply.err.code, reply.err.message) : new ParleyError('internal', `${this.contract.queue} failed`));
    } else {
      p.resolve(reply.response);
    }
  }

  private expire(): void {
    const now = Date.now();
    // Insertion order is deadline order (one timeout for all): stop at the first live one.
    for (const [id, p] of this.pending) {
      if (p.deadline > now) break;
      this.pending.delete(id);
      if (p.onLate) {
        if (this.late.size >= MAX_LATE) this.late.delete(this.late.keys().next().value as string);
        this.late.set(id, { onLate: p.onLate, until: now + LATE_MS });
      }
      p.reject(new ParleyError('unavailable', `${this.contract.queue} did not answer in time`));
    }
    for (const [id, l] of this.late) {
      if (l.until > now) break;
      this.late.delete(id);
    }
  }
}
