import { randomUUID } from 'node:crypto';
import { connect, JSONCodec } from 'nats';
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

/**
 * message-store alone, at its ceiling: `inFlight` appends kept outstanding over NATS
 * (closed loop, like many gateways at once) for `seconds`, spread over the given chats,
 * `itemsPerRequest` to a request as a gateway's AppendBatcher sends them (1: one
 * message.append.v1 each). Counts what PostgreSQL holds afterwards, not just the acks.
 */
export async function driveStore(options: {
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
}): Promise<StoreDriveResult> {
  const nc = await connect({ servers: options.natsUrl, name: 'bench-store-drive' });
  const before = await batchMetrics(options.metricsUrl);
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  const chatIds = options.chats.map((c) => c.id);
  const count = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM message_store.messages WHERE chat_id = ANY($1::uuid[])`,
          [chatIds],
        )
      ).rows[0].n,
    );
  const rowsBefore = await count();
  await db.query('CHECKPOINT');
  const body = 'x'.repeat(options.bodyBytes);
  const errors: Record<string, number> = {};
  let acked = 0;
  let n = 0;
  const cpuBefore = sampleCpu(options.cpu);
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const per = Math.max(1, options.itemsPerRequest);
  const count1 = (code: string, k = 1) => (errors[code] = (errors[code] ?? 0) + k);
  const runner = async () => {
    while (performance.now() < deadline) {
      const items = Array.from({ length: per }, () => {
        const chat = options.chats[n++ % options.chats.length];
        return { chatId: chat.id, senderId: chat.senderId, clientMsgId: randomUUID(), body };
      });
      const subject = per === 1 ? APPEND_SUBJECT : APPEND_BATCH_SUBJECT;
      const packet = { pattern: subject, id: randomUUID(), data: per === 1 ? items[0] : { items } };
      try {
        const msg = await nc.request(`${options.prefix}${subject}`, codec.encode(packet), { timeout: 10_000 });
        const reply = codec.decode(msg.data) as {
          err?: { code?: string } | null;
          response?: { results?: { ok: boolean; error?: { code: string } }[] };
        };
        if (reply.err) count1(reply.err.code ?? 'error', per);
        else if (per === 1) acked++;
        else
          for (const r of reply.response?.results ?? []) {
            if (r.ok) acked++;
            else count1(r.error?.code ?? 'error');
          }
      } catch (err) {
        count1((err as { code?: string }).code ?? 'nats', per);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.round(options.inFlight / per)) }, runner));
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuDelta(cpuBefore, sampleCpu(options.cpu));
  const rowsStored = (await count()) - rowsBefore;
  await db.end();
  await nc.close();
  const after = await batchMetrics(options.metricsUrl);
  const batches = after && before ? after.count - before.count : 0;
  return {
    inFlight: options.inFlight,
    itemsPerRequest: per,
    seconds: Math.round(seconds * 100) / 100,
    acked,
    errors,
    rowsStored,
    rowsPerSec: Math.round(rowsStored / seconds),
    meanBatch: after && before && batches > 0 ? Math.round(((after.sum - before.sum) / batches) * 10) / 10 : null,
    cpuSeconds,
    cpuUsPerRow:
      rowsStored > 0 ? Math.round((Object.values(cpuSeconds).reduce((a, b) => a + b, 0) * 1e6) / rowsStored) : 0,
  };
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
