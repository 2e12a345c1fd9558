import { randomUUID } from 'node:crypto';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { cpuDelta, sampleCpu, type CpuScope } from '@parley/tools/proc-stats';

export interface StoreDriveResult {
  inFlight: number;
  /** Appends per message.append-batch.v1 request (1: message.append.v1, one per request). */
  itemsPerRequest: number;
  seconds: number;
  acked: number;
  errors: Record<string, number>;
  /** Rows of the driven chats actually in message_store.messages afterwards. */
  rowsStored: number;
  rowsPerSec: number;
  meanBatch: number | null;
  /** CPU seconds of message-store, PostgreSQL (this database) and NATS during the drive. */
  cpuSeconds: Record<string, number>;
  cpuUsPerRow: number;
}

const codec = JSONCodec<unknown>();
// Subjects of MessageAppendV1 / MessageAppendBatchV1 (libs/contracts), Nest's NATS wire format.
const APPEND_SUBJECT = 'message.append.v1';
const APPEND_BATCH_SUBJECT = 'message.append-batch.v1';

export interface StoreDriveOptions {
  natsUrl: string;
  prefix: string;
  databaseUrl: string;
  chats: { id: string; senderId: string }[];
  inFlight: number;
  itemsPerRequest: number;
  seconds: number;
  bodyBytes: number;
  metricsUrl: string;
  /** Processes whose CPU the drive reports, e.g. message-store, nats-server and this database's PostgreSQL. */
  cpu: CpuScope;
}

/**
 * message-store alone, at its ceiling: `inFlight` appends kept outstanding over NATS
 * (closed loop, like many gateways at once) for `seconds`, spread over the given chats,
 * `itemsPerRequest` to a request as a gateway's AppendBatcher sends them (1: one
 * message.append.v1 each). Counts what PostgreSQL holds afterwards, not just the acks.
 */
export async function driveStore(options: StoreDriveOptions): Promise<StoreDriveResult> {
  const nc = await connect({ servers: options.natsUrl, name: 'bench-store-drive' });
  const before = await batchMetrics(options.metricsUrl);
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  const chatIds = options.chats.map((c) => c.id);
  const rowsBefore = await countRows(db, chatIds);
  await db.query('CHECKPOINT');
  const appender = new Appender(nc, options);
  const cpuBefore = sampleCpu(options.cpu);
  const started = performance.now();
  await appender.run(started + options.seconds * 1000);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuDelta(cpuBefore, sampleCpu(options.cpu));
  const rowsStored = (await countRows(db, chatIds)) - rowsBefore;
  await db.end();
  await nc.close();
  const after = await batchMetrics(options.metricsUrl);
  const batches = after && before ? after.count - before.count : 0;
  return {
    inFlight: options.inFlight,
    itemsPerRequest: appender.per,
    seconds: Math.round(seconds * 100) / 100,
    acked: appender.acked,
    errors: appender.errors,
    rowsStored,
    rowsPerSec: Math.round(rowsStored / seconds),
    meanBatch: after && before && batches > 0 ? Math.round(((after.sum - before.sum) / batches) * 10) / 10 : null,
    cpuSeconds,
    cpuUsPerRow:
      rowsStored > 0 ? Math.round((Object.values(cpuSeconds).reduce((a, b) => a + b, 0) * 1e6) / rowsStored) : 0,
  };
}

/** Rows of the given chats in message_store.messages. */
async function countRows(db: Client, chatIds: string[]): Promise<number> {
  return Number(
    (
      await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM message_store.messages WHERE chat_id = ANY($1::uuid[])`,
        [chatIds],
      )
    ).rows[0].n,
  );
}

/** Keeps appends outstanding over NATS, round-robin over the chats, counting acks and errors by code. */
class Appender {
  /** Appends per request. */
  readonly per: number;
  readonly errors: Record<string, number> = {};
  acked = 0;
  private n = 0;
  private readonly body: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: StoreDriveOptions,
  ) {
    this.per = Math.max(1, options.itemsPerRequest);
    this.body = 'x'.repeat(options.bodyBytes);
  }

  /** inFlight appends outstanding at once (in requests of `per`) until the deadline. */
  async run(deadline: number): Promise<void> {
    const runners = Math.max(1, Math.round(this.options.inFlight / this.per));
    await Promise.all(Array.from({ length: runners }, () => this.runner(deadline)));
  }

  private async runner(deadline: number): Promise<void> {
    const { per } = this;
    while (performance.now() < deadline) {
      const items = Array.from({ length: per }, () => {
        const chat = this.options.chats[this.n++ % this.options.chats.length];
        return { chatId: chat.id, senderId: chat.senderId, clientMsgId: randomUUID(), body: this.body };
      });
      const subject = per === 1 ? APPEND_SUBJECT : APPEND_BATCH_SUBJECT;
      const packet = { pattern: subject, id: randomUUID(), data: per === 1 ? items[0] : { items } };
      try {
        const msg = await this.nc.request(`${this.options.prefix}${subject}`, codec.encode(packet), {
          timeout: 10_000,
        });
        this.count(codec.decode(msg.data) as AppendReply);
      } catch (err) {
        this.fail((err as { code?: string }).code ?? 'nats', per);
      }
    }
  }

  private count(reply: AppendReply): void {
    if (reply.err) this.fail(reply.err.code ?? 'error', this.per);
    else if (this.per === 1) this.acked++;
    else
      for (const r of reply.response?.results ?? []) {
        if (r.ok) this.acked++;
        else this.fail(r.error?.code ?? 'error');
      }
  }

  private fail(code: string, k = 1): void {
    this.errors[code] = (this.errors[code] ?? 0) + k;
  }
}

/** message-store's answer to an append (one, or a batch with a result per item). */
interface AppendReply {
  err?: { code?: string } | null;
  response?: { results?: { ok: boolean; error?: { code: string } }[] };
}

/** Group-commit batch size histogram from message-store's /metrics. */
async function batchMetrics(metricsUrl: string): Promise<{ count: number; sum: number } | undefined> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? NaN);
    return {
      count: value('parley_message_append_batch_size_count'),
      sum: value('parley_message_append_batch_size_sum'),
    };
  } catch {
    return undefined;
  }
}
