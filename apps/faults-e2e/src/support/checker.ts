import { Client } from 'pg';
import type { ReceivingClient } from './fault-client';
import type { SendLog } from './traffic';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChatUnderTest {
  chatId: string;
  memberIds: string[];
}

export interface StoredRow {
  id: string;
  chatId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
}

/** Reads what PostgreSQL holds for the scenario's chats (the only truth that counts). */
export async function readStore(
  databaseUrl: string,
  chatIds: string[],
): Promise<{ rows: StoredRow[]; lastSeq: Map<string, number> }> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const rows = await pg.query<{ id: string; chat_id: string; seq: string; sender_id: string; client_msg_id: string }>(
      `SELECT id, chat_id, seq, sender_id, client_msg_id FROM message_store.messages WHERE chat_id = ANY($1::uuid[]) ORDER BY chat_id, seq`,
      [chatIds],
    );
    const chats = await pg.query<{ id: string; last_seq: string }>(
      `SELECT id, last_seq FROM message_store.chats WHERE id = ANY($1::uuid[])`,
      [chatIds],
    );
    return {
      rows: rows.rows.map((r) => ({
        id: r.id,
        chatId: r.chat_id,
        seq: Number(r.seq),
        senderId: r.sender_id,
        clientMsgId: r.client_msg_id,
      })),
      lastSeq: new Map(chats.rows.map((r) => [r.id, Number(r.last_seq)])),
    };
  } finally {
    await pg.end();
  }
}

export interface CheckResult {
  /** clientMsgIds sent at least once. */
  attempted: number;
  acknowledged: number;
  stored: number;
  /** (recipient, message) pairs that must arrive, and those that did (after dedupe by (chatId, seq)). */
  expectedDeliveries: number;
  delivered: number;
  /** Acknowledged but not in PostgreSQL (or stored differently), plus deliveries still missing. */
  lost: number;
  lostAcked: number;
  undelivered: number;
  /** Stored twice, answered with two different messages, or two messages at one (chatId, seq). */
  duplicatesAfterDedupe: number;
  /** Copies of already received messages across reconnects (allowed by docs/protocol.md, deduped). */
  redelivered: number;
  /** A (chatId, seq) sent twice within one connection (forbidden by docs/protocol.md). */
  duplicatesWithinConnection: number;
  /** Chats whose seqs are not exactly 1..last_seq. */
  seqGaps: number;
  /** Rows whose clientMsgId no client sent, or sends stored but never acknowledged. */
  strays: number;
  retries: number;
  problems: string[];
}

/**
 * The fault suites' verdict: nothing lost, stored twice, out of seq, stray or sent twice within
 * a connection; with `acknowledged`, every one of that many sends was acknowledged.
 */
export function expectNoLoss(result: CheckResult, acknowledged?: number): void {
  expect(result.problems).toEqual([]);
  expect(result).toMatchObject({
    lost: 0,
    duplicatesAfterDedupe: 0,
    seqGaps: 0,
    strays: 0,
    duplicatesWithinConnection: 0,
  });
  if (acknowledged !== undefined) expect(result.acknowledged).toBe(acknowledged);
}

/**
 * The store's side only (no recipient checked): each of `sends` acknowledged and stored once, no
 * acknowledged send missing, seqs without gaps, nothing stored that no client sent.
 */
export function expectAllStored(result: CheckResult, sends: number): void {
  expect(result.problems).toEqual([]);
  expect(result).toMatchObject({
    acknowledged: sends,
    stored: sends,
    lostAcked: 0,
    duplicatesAfterDedupe: 0,
    seqGaps: 0,
    strays: 0,
  });
}

/**
 * The scenario checker: what every client saw acknowledged against PostgreSQL, and what
 * every recipient received against PostgreSQL.
 */
export async function check(
  databaseUrl: string,
  chats: ChatUnderTest[],
  log: SendLog,
  recipients: ReceivingClient[],
): Promise<CheckResult> {
  const { rows, lastSeq } = await readStore(
    databaseUrl,
    chats.map((c) => c.chatId),
  );
  const problems: string[] = [];
  const note = (p: string) => problems.length < 20 && problems.push(p);
  const byPosition = new Map(rows.map((r) => [`${r.chatId}:${r.seq}`, r]));
  const byKey = new Map<string, StoredRow[]>();
  for (const r of rows) {
    const k = `${r.chatId}|${r.senderId}|${r.clientMsgId}`;
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }

  let acknowledged = 0;
  let lostAcked = 0;
  let duplicates = log.ackMismatches;
  let strays = 0;
  for (const [k, rec] of log.records) {
    const stored = byKey.get(k) ?? [];
    if (stored.length > 1) {
      duplicates += stored.length - 1;
      note(`${rec.clientMsgId} stored ${stored.length} times`);
    }
    if (!rec.ack) {
      if (stored.length > 0) {
        strays++;
        note(`${rec.clientMsgId} stored but never acknowledged`);
      }
      continue;
    }
    acknowledged++;
    const row = byPosition.get(`${rec.ack.chatId}:${rec.ack.seq}`);
    if (!row || row.id !== rec.ack.id || row.clientMsgId !== rec.clientMsgId) {
      lostAcked++;
      note(`acked ${rec.clientMsgId} (seq ${rec.ack.seq}) is not in PostgreSQL as acknowledged`);
    }
  }
  for (const [k, stored] of byKey) {
    if (!log.records.has(k)) {
      strays += stored.length;
      note(`stored ${stored[0].clientMsgId} was never sent by a client`);
    }
  }

  let seqGaps = 0;
  for (const chat of chats) {
    const seqs = rows.filter((r) => r.chatId === chat.chatId).map((r) => r.seq);
    const last = lastSeq.get(chat.chatId) ?? 0;
    const exact = seqs.length === last && seqs.every((s, i) => s === i + 1);
    if (!exact) {
      seqGaps++;
      note(`chat ${chat.chatId}: ${seqs.length} rows for last_seq ${last}`);
    }
  }

  let expectedDeliveries = 0;
  let delivered = 0;
  let conflicts = 0;
  let redelivered = 0;
  let withinConnection = 0;
  for (const client of recipients) {
    conflicts += client.conflicts;
    redelivered += client.redelivered;
    withinConnection += client.duplicatesWithinConnection;
    for (const chat of chats) {
      if (!chat.memberIds.includes(client.userId)) continue;
      for (const row of rows) {
        if (row.chatId !== chat.chatId || row.senderId === client.userId) continue;
        expectedDeliveries++;
        const got = client.received.get(`${row.chatId}:${row.seq}`);
        if (!got) continue;
        if (got.id !== row.id) {
          conflicts++;
          note(`${client.user.user.username} got another message at ${row.chatId}:${row.seq}`);
          continue;
        }
        delivered++;
      }
    }
  }
  duplicates += conflicts;
  const undelivered = expectedDeliveries - delivered;
  if (undelivered > 0) note(`${undelivered} deliveries missing`);
  return {
    attempted: log.records.size,
    acknowledged,
    stored: rows.length,
    expectedDeliveries,
    delivered,
    lost: lostAcked + undelivered,
    lostAcked,
    undelivered,
    duplicatesAfterDedupe: duplicates,
    redelivered,
    duplicatesWithinConnection: withinConnection,
    seqGaps,
    strays,
    retries: log.retries,
    problems,
  };
}

/**
 * Waits until every recipient has every stored message of its chats (live delivery, gap
 * fill, or the replay of its reconnects). Returns how many clients needed a fresh connection
 * (the repair docs/protocol.md promises: a lost fan-out is replayed at the next connect).
 */
export async function waitForDeliveries(
  databaseUrl: string,
  chats: ChatUnderTest[],
  recipients: ReceivingClient[],
  options: { quietMs?: number; timeoutMs?: number } = {},
): Promise<{ reconnected: number; completeAt: number }> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const reconnectAfter = Date.now() + (options.quietMs ?? 10_000);
  const { rows } = await readStore(
    databaseUrl,
    chats.map((c) => c.chatId),
  );
  const reconnectedClients = new Set<ReceivingClient>();
  const missing = (client: ReceivingClient) =>
    rows.filter(
      (r) =>
        r.senderId !== client.userId &&
        chats.some((c) => c.chatId === r.chatId && c.memberIds.includes(client.userId)) &&
        !client.received.has(`${r.chatId}:${r.seq}`),
    ).length;
  for (;;) {
    const behind = recipients.filter((c) => missing(c) > 0);
    if (behind.length === 0) return { reconnected: reconnectedClients.size, completeAt: Date.now() };
    if (Date.now() > deadline) return { reconnected: reconnectedClients.size, completeAt: NaN };
    if (Date.now() > reconnectAfter) {
      for (const c of behind) {
        if (reconnectedClients.has(c)) continue;
        reconnectedClients.add(c);
        await c.reconnect().catch(() => undefined);
      }
    }
    await sleep(200);
  }
}
