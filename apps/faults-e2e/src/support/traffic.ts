import type { Message } from '@parley/contracts';
import type { AckReply, FaultClient, SendingClient } from './fault-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What happened to one clientMsgId, over all its attempts. */
export interface SendRecord {
  chatId: string;
  senderId: string;
  clientMsgId: string;
  firstAttemptAt: number;
  attempts: number;
  /** Error codes (or 'timeout' / 'disconnected') of the failed attempts. */
  failures: string[];
  /** The first ok ack. */
  ack?: Message;
  ackAt?: number;
  /** Ok acks after the first (a concurrent duplicate send), with what they answered. */
  laterAcks: Message[];
  /** Start and answer time of every successful attempt. */
  attemptAcks: { startedAt: number; ackAt: number }[];
  /** Start and end time of every failed attempt (the recovery time of a fault is measured from them). */
  attemptFailures: { startedAt: number; endedAt: number }[];
}

/** A failed attempt: its code, and when it started and ended. */
function recordFailure(rec: SendRecord, code: string, startedAt: number): void {
  rec.failures.push(code);
  rec.attemptFailures.push({ startedAt, endedAt: Date.now() });
}

/** An ok ack of the attempt started at `startedAt`: the first is the send's ack, later ones are kept to compare. */
function recordAck(rec: SendRecord, message: Message, startedAt: number): void {
  const ackAt = Date.now();
  rec.attemptAcks.push({ startedAt, ackAt });
  if (rec.ack) rec.laterAcks.push(message);
  else {
    rec.ack = message;
    rec.ackAt = ackAt;
  }
}

/** Codes worth retrying with the same clientMsgId (docs/protocol.md: `unavailable` is safe to retry). */
const RETRYABLE = new Set([
  'unavailable',
  'rate_limited',
  'internal',
  'timeout',
  'disconnected',
  'unauthorized-transient',
]);

/** Every send of a scenario, keyed by (chatId, senderId, clientMsgId). */
export class SendLog {
  readonly records = new Map<string, SendRecord>();
  /** Attempts waiting for their answer right now. */
  inFlight = 0;
  /** The most attempts that waited for their answer at once. */
  peakInFlight = 0;

  private key(chatId: string, senderId: string, clientMsgId: string): string {
    return `${chatId}|${senderId}|${clientMsgId}`;
  }

  record(chatId: string, senderId: string, clientMsgId: string): SendRecord {
    const k = this.key(chatId, senderId, clientMsgId);
    let r = this.records.get(k);
    if (!r) {
      r = {
        chatId,
        senderId,
        clientMsgId,
        firstAttemptAt: Date.now(),
        attempts: 0,
        failures: [],
        laterAcks: [],
        attemptAcks: [],
        attemptFailures: [],
      };
      this.records.set(k, r);
    }
    return r;
  }

  /** One attempt starts (sendWithRetry and scenarios that emit sends themselves). */
  begin(): void {
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
  }

  /**
   * The answer to one attempt started at `startedAt`, for scenarios that emit `message:send`
   * themselves: an ok ack is kept (the first as `ack`, later ones to compare), an error by code.
   */
  answer(rec: SendRecord, startedAt: number, reply: AckReply | Error): void {
    this.inFlight--;
    rec.attempts++;
    if (reply instanceof Error) {
      recordFailure(rec, /timed out|timeout/i.test(reply.message) ? 'timeout' : 'disconnected', startedAt);
      return;
    }
    if (!reply.ok) {
      recordFailure(rec, reply.error?.code ?? 'unknown', startedAt);
      return;
    }
    recordAck(rec, reply['message'] as Message, startedAt);
  }

  get acked(): number {
    let n = 0;
    for (const r of this.records.values()) if (r.ack) n++;
    return n;
  }

  get retries(): number {
    let n = 0;
    for (const r of this.records.values()) n += Math.max(0, r.attempts - 1);
    return n;
  }

  /** Acks answering one clientMsgId with two different messages (a retry got a new copy). */
  get ackMismatches(): number {
    let n = 0;
    for (const r of this.records.values()) {
      for (const later of r.laterAcks) if (!r.ack || later.id !== r.ack.id || later.seq !== r.ack.seq) n++;
    }
    return n;
  }

  /** Time of the first ok ack, after `since`, of an attempt started after `since`. */
  firstAckOfAttemptAfter(since: number): number | undefined {
    let best: number | undefined;
    for (const r of this.records.values()) {
      for (const t of r.attemptAcks) {
        if (t.startedAt >= since && (best === undefined || t.ackAt < best)) best = t.ackAt;
      }
    }
    return best;
  }
}

/**
 * One `message:send` on the client's current connection, no retry, recorded in the log; the
 * answer (or the Error of a timeout or a dropped connection) is returned as it came.
 */
export async function sendOnce(
  client: SendingClient,
  log: SendLog,
  chatId: string,
  clientMsgId: string,
  body: string,
  timeoutMs = 10_000,
): Promise<AckReply | Error> {
  const rec = log.record(chatId, client.userId, clientMsgId);
  const startedAt = Date.now();
  log.begin();
  const reply = await client
    .emitAck('message:send', { chatId, clientMsgId, body }, timeoutMs)
    .catch((err: Error) => err);
  log.answer(rec, startedAt, reply);
  return reply;
}

export interface SendOptions {
  ackTimeoutMs?: number;
  /** Stop retrying after this long (the scenario then reports the send as failed). */
  giveUpAfterMs?: number;
}

/**
 * Sends one message and retries with the SAME clientMsgId until it is acknowledged, as
 * docs/protocol.md tells clients to: `unavailable`, timeouts and dropped connections are retried
 * after a jittered backoff; anything else is a bug and fails the scenario.
 */
export async function sendWithRetry(
  client: SendingClient,
  log: SendLog,
  chatId: string,
  clientMsgId: string,
  body: string,
  options: SendOptions = {},
): Promise<Message> {
  const rec = log.record(chatId, client.userId, clientMsgId);
  const giveUpAt = Date.now() + (options.giveUpAfterMs ?? 180_000);
  let backoff = 50;
  for (;;) {
    if (Date.now() > giveUpAt)
      throw new Error(`gave up on ${clientMsgId} after ${rec.attempts} attempts: ${rec.failures.slice(-3).join(', ')}`);
    try {
      await client.waitConnected(Math.max(1000, giveUpAt - Date.now()));
    } catch {
      continue;
    }
    rec.attempts++;
    const startedAt = Date.now();
    log.begin();
    let failure: string;
    try {
      const ack = await client.emitAck('message:send', { chatId, clientMsgId, body }, options.ackTimeoutMs ?? 15_000);
      if (ack.ok) {
        const message = ack['message'] as Message;
        recordAck(rec, message, startedAt);
        return message;
      }
      failure = ack.error?.code ?? 'unknown';
      if (!RETRYABLE.has(failure)) throw new Error(`send ${clientMsgId} refused: ${JSON.stringify(ack.error)}`);
    } catch (err) {
      const msg = (err as Error).message;
      if (msg.startsWith('send ')) throw err;
      failure = /timed out|timeout/i.test(msg) ? 'timeout' : 'disconnected';
    } finally {
      log.inFlight--;
    }
    recordFailure(rec, failure, startedAt);
    await sleep(backoff * (0.5 + Math.random()));
    backoff = Math.min(1000, backoff * 2);
  }
}

/** A client writing into one chat (a Socket.IO FaultClient unless said otherwise). */
export interface TrafficLane<C extends SendingClient = FaultClient> {
  client: C;
  chatId: string;
}

export interface TrafficOptions {
  /** clientMsgIds per lane. */
  perLane: number;
  /** Sends outstanding at once per lane. */
  window: number;
  /** Unique per run: clientMsgIds are `${tag}-${lane}-${i}`. */
  tag: string;
  bodyBytes?: number;
  /** Pause between sends of one lane (ms), to spread a scenario over time. */
  pacingMs?: number;
  send?: SendOptions;
}

/**
 * Client traffic: every lane (a client writing into one chat) keeps `window` sends in
 * flight until it has `perLane` acknowledged messages. Resolves when all are acked.
 */
export class Traffic {
  readonly log = new SendLog();
  private done?: Promise<void>;
  private stopped = false;
  startedAt = 0;
  finishedAt = 0;
  readonly failures: Error[] = [];

  constructor(
    private readonly lanes: TrafficLane<SendingClient>[],
    private readonly options: TrafficOptions,
  ) {}

  get total(): number {
    return this.lanes.length * this.options.perLane;
  }

  get acked(): number {
    return this.log.acked;
  }

  start(): this {
    this.startedAt = Date.now();
    this.done = Promise.all(this.lanes.map((lane, i) => this.runLane(lane, i))).then(() => {
      this.finishedAt = Date.now();
    });
    return this;
  }

  /** Resolves when every message is acknowledged; rejects if one was refused or given up. */
  async finished(): Promise<void> {
    await this.done;
    if (this.failures.length > 0) throw this.failures[0];
  }

  /** Stops issuing new clientMsgIds (those already issued still retry until acked). */
  stop(): void {
    this.stopped = true;
  }

  /** Waits until at least n messages are acknowledged. */
  async untilAcked(n: number, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.acked} of ${n} acknowledged within ${timeoutMs} ms`);
      if (this.failures.length > 0) throw this.failures[0];
      await sleep(20);
    }
  }

  private async runLane(lane: TrafficLane<SendingClient>, laneIndex: number): Promise<void> {
    const pad = 'x'.repeat(Math.max(0, (this.options.bodyBytes ?? 32) - 24));
    let next = 0;
    const worker = async () => {
      while (!this.stopped && next < this.options.perLane) {
        const i = next++;
        const clientMsgId = `${this.options.tag}-${laneIndex}-${i}`;
        try {
          await sendWithRetry(
            lane.client,
            this.log,
            lane.chatId,
            clientMsgId,
            `${clientMsgId} ${pad}`,
            this.options.send,
          );
        } catch (err) {
          this.failures.push(err as Error);
          return;
        }
        if (this.options.pacingMs) await sleep(this.options.pacingMs);
      }
    };
    await Promise.all(Array.from({ length: this.options.window }, worker));
  }
}
