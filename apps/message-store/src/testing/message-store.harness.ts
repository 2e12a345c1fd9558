import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { ParleyError, type Chat, ChatCreateV1, MessageAppendV1, type MessageAppendReply } from '@parley/contracts';
import {
  connectTestBus,
  createTestDatabase,
  createTestKeys,
  type TestDatabase,
  type TestKeys,
} from '@parley/shared/testing';
import type { NatsBus } from '@parley/shared/util-nats';
import { Client } from 'pg';
import { register } from 'prom-client';
import { bootstrap, migrate } from '../bootstrap';

/**
 * message-store started in-process on its own database and NATS subject prefix,
 * with a NatsBus client on the same prefix: what the int tests talk to.
 */
export interface MessageStoreHarness {
  app: INestApplication;
  bus: NatsBus;
  db: TestDatabase;
  keys: TestKeys;
  env: NodeJS.ProcessEnv;
  baseUrl: string;
  /** Direct SQL on the test database, to inspect what is stored. */
  sql: Client;
  /** Stops the app only (the database stays, for a restart). */
  stopApp(): Promise<void>;
  /** Starts the app again on the same database (e.g. after rotating keys). */
  restartApp(extraEnv?: NodeJS.ProcessEnv): Promise<void>;
  close(): Promise<void>;
}

/**
 * message-store for the enclosing `describe`: started in a beforeAll (`startTimeoutMs`: that
 * hook's timeout), closed in an afterAll. The object returned is filled in once it has started.
 */
export function useMessageStore(extraEnv: NodeJS.ProcessEnv = {}, startTimeoutMs?: number): MessageStoreHarness {
  const harness = {} as MessageStoreHarness;
  beforeAll(async () => {
    await startMessageStore(extraEnv, harness);
  }, startTimeoutMs);
  afterAll(async () => {
    await harness.close?.();
  });
  return harness;
}

/** Starts message-store into `harness` (a fresh object unless given) and returns it. */
export async function startMessageStore(
  extraEnv: NodeJS.ProcessEnv = {},
  harness = {} as MessageStoreHarness,
): Promise<MessageStoreHarness> {
  const db = await createTestDatabase('message_store');
  const keys = createTestKeys();
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MESSAGE_STORE_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '6',
    NATS_SUBJECT_PREFIX: prefix,
    MESSAGE_ENCRYPTION_KEYS: undefined,
    MESSAGE_ENCRYPTION_KEYS_FILE: keys.messageKeysFile,
    ...extraEnv,
  };
  await migrate(env);
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  const bus = await connectTestBus({
    url: env.NATS_URL,
    name: 'message-store-int-test',
    requestTimeoutMs: 15000,
    subjectPrefix: prefix,
  });

  let app: INestApplication | undefined;
  Object.assign(harness, {
    app: undefined as unknown as INestApplication,
    bus,
    db,
    keys,
    env,
    baseUrl: '',
    sql,
    async stopApp() {
      await app?.close();
      app = undefined;
      // The default prom-client registry is per process; a second app in this
      // process registers the same metrics again.
      register.clear();
    },
    async restartApp(more: NodeJS.ProcessEnv = {}) {
      if (app) await harness.stopApp();
      Object.assign(env, more);
      app = await bootstrap(env);
      harness.app = app;
      harness.baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    },
    async close() {
      await harness.stopApp();
      await bus.drain();
      await sql.end();
      await db.drop();
    },
  } satisfies MessageStoreHarness);
  await harness.restartApp();
  return harness;
}

export const newUserId = (): string => randomUUID();

/** A fresh "keyId:<base64>" line for key rotation tests. */
export function appendMessageKey(file: string, keyId: string): void {
  writeFileSync(file, `${keyId}:${randomBytes(32).toString('base64')}\n`, { flag: 'a' });
}

export async function createGroup(
  bus: NatsBus,
  creatorId: string,
  memberIds: string[],
  title = 'group',
): Promise<Chat> {
  return (await bus.request(ChatCreateV1, { creatorId, type: 'group', title, memberIds })).chat;
}

export async function createDirect(bus: NatsBus, creatorId: string, otherId: string): Promise<Chat> {
  return (await bus.request(ChatCreateV1, { creatorId, type: 'direct', memberIds: [otherId] })).chat;
}

export function send(
  bus: NatsBus,
  chatId: string,
  senderId: string,
  body: string,
  clientMsgId: string = randomUUID(),
): Promise<MessageAppendReply> {
  return bus.request(MessageAppendV1, { chatId, senderId, clientMsgId, body });
}

/** The error a request fails with (a test fails if it succeeds). */
export async function errorOf(work: Promise<unknown>): Promise<ParleyError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof ParleyError) return err;
    throw err;
  }
  throw new Error('expected the request to fail, but it succeeded');
}
