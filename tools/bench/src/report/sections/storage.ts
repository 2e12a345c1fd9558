import type { BenchConfig } from '../../bench-config';
import type { BenchResults } from '../../results';
import { fmt } from '../format';

/** Raw PostgreSQL ingest by mode, and message-store's own rate below it. */
export function storageSection(results: BenchResults, config: BenchConfig): string[] {
  const out: string[] = [];
  out.push('### Storage: message-store against raw PostgreSQL ingest');
  out.push('');
  out.push(
    `The same rows (message_store.messages' shape: ${config.messagePartitions} hash partitions, primary key (chat_id, seq), the idempotency unique index, ${config.bodyBytes}-byte ciphertext + IV + tag) inserted from Node pg for ${config.ingestSeconds} s per mode, each statement its own transaction, synchronous_commit on, after a CHECKPOINT.`,
  );
  out.push('');
  out.push('| mode | connections | rows/s | transactions/s |');
  out.push('|---|---:|---:|---:|');
  for (const r of results.ingest ?? [])
    out.push(`| ${r.mode} | ${r.connections} | ${fmt(r.rowsPerSec)} | ${fmt(r.transactionsPerSec)} |`);
  const s = results.store;
  if (s) {
    out.push(
      `| **message-store** (${s.itemsPerRequest > 1 ? `message.append-batch.v1 over NATS, ${fmt(s.itemsPerRequest)} appends per request as a gateway batches them` : 'message.append.v1 over NATS'}, ${fmt(s.inFlight)} in flight, group commit: mean batch ${fmt(s.meanBatch, 1)}) | its pool | **${fmt(s.rowsPerSec)}** | ${s.meanBatch ? fmt(s.rowsPerSec / s.meanBatch) : 'n/a'} |`,
    );
    const errs = Object.entries(s.errors);
    if (errs.length)
      out.push(`\nmessage-store errors during the drive: ${errs.map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  }
  out.push('');
  return out;
}
