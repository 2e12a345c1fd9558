import { randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, WORKSPACE_ROOT, type TestDatabase } from '@parley/shared/testing';
import { Client, type Connection } from 'pg';

/**
 * The storage ceiling: the same message rows message-store writes (its own table, made by its
 * migrations: hash partitions, primary key and idempotency index; encrypted-body sizes) inserted
 * from Node pg as fast as PostgreSQL takes them, with synchronous_commit on.
 */
export type IngestMode = 'single-row autocommit' | 'unnest batch 100' | 'unnest batch 500' | 'copy 5000';

export interface IngestResult {
  mode: IngestMode;
  connections: number;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  transactionsPerSec: number;
}

/** message-store's own schema, made by its own migrations (`main.js migrate`) in a database of the ingest's own. */
const SCHEMA = 'message_store';
const CHATS_PER_CONNECTION = 250;

/**
 * A database of its own with message-store's migrations applied by message-store itself
 * (dist/apps/message-store/main.js migrate): the rows go into the real message_store.messages,
 * whatever shape the migrations give it. Dropped by the caller.
 */
export async function createIngestDatabase(partitions: number, server?: string): Promise<TestDatabase> {
  const db = await createTestDatabase('bench_ingest', server);
  try {
    execFileSync(process.execPath, [join(WORKSPACE_ROOT, 'dist/apps/message-store/main.js'), 'migrate'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '/root',
        DATABASE_URL: db.url,
        MESSAGE_PARTITIONS: String(partitions),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
    });
  } catch (err) {
    await db.drop().catch(() => undefined);
    throw err;
  }
  return db;
}

interface Row {
  id: string;
  chatId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  ct: Buffer;
  iv: Buffer;
  tag: Buffer;
}

/** Rows for one connection's own chats, so concurrent writers never collide on (chat_id, seq). */
class RowSource {
  private readonly chats: { id: string; sender: string; seq: number }[];
  private next = 0;
  private readonly ct: Buffer[];
  private readonly iv = randomBytes(12);
  private readonly tag = randomBytes(16);

  constructor(bodyBytes: number) {
    this.chats = Array.from({ length: CHATS_PER_CONNECTION }, () => ({
      id: randomUUID(),
      sender: randomUUID(),
      seq: 0,
    }));
    this.ct = Array.from({ length: 16 }, () => randomBytes(bodyBytes));
  }

  take(n: number): Row[] {
    const rows: Row[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const chat = this.chats[this.next++ % this.chats.length];
      const seq = ++chat.seq;
      rows[i] = {
        id: randomUUID(),
        chatId: chat.id,
        seq,
        senderId: chat.sender,
        clientMsgId: `raw-${seq}`,
        ct: this.ct[seq % 16],
        iv: this.iv,
        tag: this.tag,
      };
    }
    return rows;
  }
}

const COLUMNS =
  'id, chat_id, seq, sender_id, client_msg_id, body_ciphertext, body_iv, body_auth_tag, key_id, created_at';

async function insertSingle(c: Client, row: Row): Promise<void> {
  await c.query({
    name: 'raw_single',
    text: `INSERT INTO ${SCHEMA}.messages (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'k1', now())`,
    values: [row.id, row.chatId, row.seq, row.senderId, row.clientMsgId, row.ct, row.iv, row.tag],
  });
}

async function insertUnnest(c: Client, rows: Row[]): Promise<void> {
  await c.query({
    name: `raw_unnest`,
    text: `INSERT INTO ${SCHEMA}.messages (${COLUMNS})
           SELECT id, chat_id, seq, sender_id, client_msg_id, ct, iv, tag, 'k1', now()
           FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::bytea[], $7::bytea[], $8::bytea[])
             AS r(id, chat_id, seq, sender_id, client_msg_id, ct, iv, tag)`,
    values: [
      rows.map((r) => r.id),
      rows.map((r) => r.chatId),
      rows.map((r) => r.seq),
      rows.map((r) => r.senderId),
      rows.map((r) => r.clientMsgId),
      rows.map((r) => r.ct),
      rows.map((r) => r.iv),
      rows.map((r) => r.tag),
    ],
  });
}

/** COPY ... FROM STDIN in text format, as a pg "submittable" (the pg-copy-streams protocol, minus the stream). */
class CopyIn {
  private callback: (err?: Error) => void = () => undefined;
  readonly done: Promise<void>;
  constructor(
    private readonly text: string,
    private readonly data: Buffer,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.callback = (err) => (err ? reject(err) : resolve());
    });
  }
  submit(connection: Connection): void {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: Connection & { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }): void {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }
  handleCommandComplete(): void {
    // rows counted by the caller
  }
  handleReadyForQuery(): void {
    this.callback();
  }
  handleError(err: Error): void {
    this.callback(err);
  }
}

const hex = (b: Buffer) => `\\\\x${b.toString('hex')}`;

async function copyRows(c: Client, rows: Row[]): Promise<void> {
  const now = new Date().toISOString();
  const text = rows
    .map(
      (r) =>
        `${r.id}\t${r.chatId}\t${r.seq}\t${r.senderId}\t${r.clientMsgId}\t${hex(r.ct)}\t${hex(r.iv)}\t${hex(r.tag)}\tk1\t${now}\n`,
    )
    .join('');
  const copy = new CopyIn(`COPY ${SCHEMA}.messages (${COLUMNS}) FROM STDIN`, Buffer.from(text));
  c.query(copy as never);
  await copy.done;
}

/** Inserts for `seconds` on `connections` connections at once; each statement is its own (autocommit) transaction. */
export async function measureIngest(
  databaseUrl: string,
  mode: IngestMode,
  connections: number,
  seconds: number,
  bodyBytes: number,
): Promise<IngestResult> {
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`TRUNCATE ${SCHEMA}.messages`);
  await admin.query('CHECKPOINT');
  await admin.end();
  const batch =
    mode === 'single-row autocommit' ? 1 : mode === 'unnest batch 100' ? 100 : mode === 'unnest batch 500' ? 500 : 5000;
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new Client({ connectionString: databaseUrl });
      await c.connect();
      return c;
    }),
  );
  let rows = 0;
  let txs = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  try {
    await Promise.all(
      clients.map(async (c) => {
        const source = new RowSource(bodyBytes);
        while (performance.now() < deadline) {
          const part = source.take(batch);
          if (batch === 1) await insertSingle(c, part[0]);
          else if (mode === 'copy 5000') await copyRows(c, part);
          else await insertUnnest(c, part);
          rows += part.length;
          txs++;
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    mode,
    connections,
    rows,
    seconds: Math.round(elapsed * 100) / 100,
    rowsPerSec: Math.round(rows / elapsed),
    transactionsPerSec: Math.round(txs / elapsed),
  };
}
