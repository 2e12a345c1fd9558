import { Client } from 'pg';

export interface StoredRef {
  chatId: string;
  seq: number;
  id: string;
}

export interface StoreCheck {
  checked: number;
  /** Acked (chatId, seq) with no row, or a row with another message id. */
  missing: number;
  examples: string[];
}

const CHUNK = 10_000;

/** Every acked message must be a row of message_store.messages with the id the ack named. */
export async function checkStored(databaseUrl: string, acked: StoredRef[], maxExamples = 10): Promise<StoreCheck> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const report: StoreCheck = { checked: 0, missing: 0, examples: [] };
  try {
    for (let i = 0; i < acked.length; i += CHUNK) {
      const part = acked.slice(i, i + CHUNK);
      const res = await db.query<{ chat_id: string; seq: string; id: string }>(
        `SELECT k.chat_id, k.seq, k.id
         FROM unnest($1::uuid[], $2::bigint[], $3::uuid[]) WITH ORDINALITY AS k(chat_id, seq, id, n)
         WHERE NOT EXISTS (SELECT 1 FROM message_store.messages m WHERE m.chat_id = k.chat_id AND m.seq = k.seq AND m.id = k.id)
         ORDER BY k.n`,
        [part.map((a) => a.chatId), part.map((a) => a.seq), part.map((a) => a.id)],
      );
      report.checked += part.length;
      report.missing += res.rows.length;
      for (const r of res.rows.slice(0, maxExamples - report.examples.length)) {
        report.examples.push(`chat ${r.chat_id} seq ${r.seq} (id ${r.id}) acked but not stored`);
      }
    }
  } finally {
    await db.end();
  }
  return report;
}
