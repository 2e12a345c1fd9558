import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chat } from '@parley/contracts';
import {
  http,
  registerUser,
  takeAnswerTally,
  TestStack,
  WORKSPACE_ROOT,
  type StackOptions,
  type TestUser,
} from '@parley/shared/testing';
import { Client } from 'pg';
import { FaultClient, type FaultClientOptions } from './fault-client';
import { PrivateNats, PrivateNatsCluster, PrivatePostgres, PrivateRedis } from './infra';
import figureColumns from './figure-columns.json';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** FAULTS_LONG=1 runs the long variants (bigger numbers, more rounds). */
const LONG = process.env['FAULTS_LONG'] === '1';
export const pick = <T>(normal: T, long: T): T => (LONG ? long : normal);

export interface FaultStackOptions {
  label: string;
  gateways?: number;
  env?: Record<string, string>;
  /** Run this stack on NATS / Redis / PostgreSQL servers of its own, which the test may restart. */
  privateInfra?: {
    nats?: boolean;
    redis?: boolean;
    postgres?: boolean;
    /** A NATS cluster of this many nodes instead of one server; every app is given all of them. */ natsCluster?: number;
  };
  /** Replicas of the back-end apps (TestStack's `replicas`). */
  replicas?: StackOptions['replicas'];
  /** 'production': the apps' own default limits (the security suites test them). */
  limits?: 'loose' | 'production';
}

/** Limits that would only get in the way of loss testing (the security suite tests them). */
const FAULT_DEFAULTS: Record<string, string> = {
  RATE_LIMIT_MESSAGES_PER_SECOND: '10000',
  RATE_LIMIT_MESSAGES_BURST: '10000',
  MAX_CONNECTIONS_PER_USER: '50',
};

// The stack of the running test file: report() adds its per-scenario health figures.
let active: FaultStack | undefined;

/**
 * TestStack (the five built apps as real processes under the supervisor, two gateways by
 * default) plus, when asked, private infrastructure servers to break. Its stop() runs the
 * TestStack guard: an app that exited without supervisor.kill(), or logged a fatal /
 * unhandled error, fails the file unless the test declared it (expectRestarts()).
 */
export class FaultStack {
  stack!: TestStack;
  nats?: PrivateNats;
  natsCluster?: PrivateNatsCluster;
  redis?: PrivateRedis;
  postgres?: PrivatePostgres;
  private savedDbUrl?: string;
  /** Restarts per app at the previous report (scenarioHealth() gives the difference). */
  private restartsReported: Record<string, number> = {};

  private constructor(private readonly options: FaultStackOptions) {}

  static async start(options: FaultStackOptions): Promise<FaultStack> {
    const fs = new FaultStack(options);
    try {
      await fs.boot();
    } catch (err) {
      await fs.stop().catch(() => undefined);
      throw err;
    }
    active = fs;
    return fs;
  }

  private async boot(): Promise<void> {
    const infra = this.options.privateInfra ?? {};
    const env: Record<string, string> = this.options.limits === 'production' ? {} : { ...FAULT_DEFAULTS };
    // Each server is kept as soon as it runs, so stop() cleans up even if another failed.
    // The stack's subject prefix is chosen here: a private NATS's permissions name it.
    const subjectPrefix = `f${randomUUID().slice(0, 8)}.`;
    env['NATS_SUBJECT_PREFIX'] = subjectPrefix;
    const started = await Promise.allSettled([
      infra.nats ? PrivateNats.start(subjectPrefix).then((s) => (this.nats = s)) : undefined,
      infra.natsCluster
        ? PrivateNatsCluster.start(subjectPrefix, infra.natsCluster).then((s) => (this.natsCluster = s))
        : undefined,
      infra.redis ? PrivateRedis.start().then((s) => (this.redis = s)) : undefined,
      infra.postgres ? PrivatePostgres.start().then((s) => (this.postgres = s)) : undefined,
    ]);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const { redis, postgres } = this;
    const nats = this.nats ?? this.natsCluster;
    if (redis) env['REDIS_URL'] = redis.url;
    if (postgres) {
      // createTestDatabase() creates the stack's database on TEST_DATABASE_URL's server.
      this.savedDbUrl = process.env['TEST_DATABASE_URL'];
      process.env['TEST_DATABASE_URL'] = postgres.url;
    }
    this.stack = await TestStack.start({
      label: this.options.label,
      gateways: this.options.gateways ?? 2,
      env: { ...env, ...this.options.env },
      nats: nats ? { url: nats.url, passwordDir: nats.passwordDir } : undefined,
      replicas: this.options.replicas,
    });
    // The first scenario's figures start here, not at boot or in an earlier file.
    takeAnswerTally();
    this.supervisor.resetMemoryHighWater();
  }

  /** See TestStack.expectRestarts: exits the test causes other than through supervisor.kill(). */
  expectRestarts(app: string, times?: number): void {
    this.stack.expectRestarts(app, times);
  }

  /**
   * Figures every scenario report carries, since the previous report: requests made through
   * the test clients and their answers by code, restarts per app, and each app's resident
   * memory high-water mark (MiB; VmHWM, restarted after each report).
   */
  scenarioHealth(): {
    requestsTried: number;
    answersByCode: Record<string, number>;
    restartsByApp: Record<string, number>;
    maxRssMiB: Record<string, number>;
  } {
    const answers = takeAnswerTally();
    const memory = this.supervisor.memory();
    this.supervisor.resetMemoryHighWater();
    const restarts = this.restarts();
    const restartsByApp = Object.fromEntries(
      Object.entries(restarts).map(([name, n]) => [name, n - (this.restartsReported[name] ?? 0)]),
    );
    this.restartsReported = restarts;
    return {
      requestsTried: answers.tried,
      answersByCode: answers.byCode,
      restartsByApp,
      maxRssMiB: Object.fromEntries(Object.entries(memory).map(([name, m]) => [name, m.hwmMiB])),
    };
  }

  get supervisor() {
    return this.stack.supervisor;
  }

  get gatewayUrls(): string[] {
    return this.stack.gatewayUrls;
  }

  get authUrl(): string {
    return this.stack.authUrl;
  }

  get databaseUrl(): string {
    return this.stack.env['DATABASE_URL'];
  }

  /** Total restarts of every app by the supervisor (a crash-looping app shows here). */
  restarts(): Record<string, number> {
    return Object.fromEntries(this.supervisor.status().map((s) => [s.name, s.restarts]));
  }

  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.supervisor.status().map((s) => [s.name, s.pid]));
  }

  /** Freezes an app (SIGSTOP): its sockets stay open but nothing it received is processed. */
  freeze(name: string): void {
    const pid = this.supervisor.pid(name);
    if (!pid) throw new Error(`${name} is not running`);
    process.kill(-pid, 'SIGSTOP');
  }
  /** Lets a frozen app go on (SIGCONT): what it received meanwhile is processed now. */
  thaw(name: string): void {
    const pid = this.supervisor.pid(name);
    if (!pid) throw new Error(`${name} is not running`);
    process.kill(-pid, 'SIGCONT');
  }

  async query<R extends object = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    const pg = new Client({ connectionString: this.databaseUrl });
    await pg.connect();
    try {
      return (await pg.query<R>(sql, params)).rows;
    } finally {
      await pg.end();
    }
  }

  async users(n: number, prefix: string): Promise<TestUser[]> {
    const out: TestUser[] = [];
    // A few at a time: registration hashes a password.
    for (let i = 0; i < n; i += 16) {
      out.push(
        ...(await Promise.all(Array.from({ length: Math.min(16, n - i) }, () => registerUser(this.authUrl, prefix)))),
      );
    }
    return out;
  }

  async group(owner: TestUser, members: TestUser[], title = 'faults'): Promise<Chat> {
    const res = await http<Chat>(this.gatewayUrls[0], 'POST', '/v1/chats', {
      token: owner.token,
      body: { type: 'group', title, memberIds: members.filter((m) => m !== owner).map((m) => m.user.id) },
    });
    if (res.status !== 201) throw new Error(`create group failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async direct(a: TestUser, b: TestUser): Promise<Chat> {
    const res = await http<Chat>(this.gatewayUrls[0], 'POST', '/v1/chats', {
      token: a.token,
      body: { type: 'direct', memberIds: [b.user.id] },
    });
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`create direct failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** One connected client per user, spread over the gateways. */
  async clients(
    users: TestUser[],
    options: FaultClientOptions = { ackDelivered: true, autoReconnect: true },
    startAt = 0,
  ): Promise<FaultClient[]> {
    const clients = users.map((u, i) => new FaultClient(u, this.gatewayUrls, options, startAt + i));
    for (let i = 0; i < clients.length; i += 50) await Promise.all(clients.slice(i, i + 50).map((c) => c.connect()));
    return clients;
  }

  /** Every log line the apps wrote during this run (their log files under .parley/logs/e2e). */
  appLogs(): Record<string, string> {
    const dir = (this.supervisor as unknown as { logDir: string }).logDir;
    const out: Record<string, string> = {};
    for (const f of readdirSync(dir))
      if (f.endsWith('.log')) out[f.replace(/\.log$/, '')] = readFileSync(join(dir, f), 'utf8');
    return out;
  }

  async stop(): Promise<void> {
    if (active === this) active = undefined;
    try {
      await this.stack?.stop();
    } finally {
      if (this.postgres) {
        if (this.savedDbUrl === undefined) delete process.env['TEST_DATABASE_URL'];
        else process.env['TEST_DATABASE_URL'] = this.savedDbUrl;
      }
      await Promise.all([this.nats?.stop(), this.natsCluster?.stop(), this.redis?.stop(), this.postgres?.stop()]);
    }
  }
}

/**
 * The figures docs/reliability.md gives for every fault scenario (issue 7, items 1-9), under
 * the same names in every scenario; `null` where one does not apply (no outage to recover from).
 * The checker's definitions (checker.ts): attempted = distinct clientMsgIds sent, acknowledged =
 * those with an ok ack, stored = rows in PostgreSQL, delivered = (recipient, message) pairs
 * received after dedupe by (chatId, seq), lost = acknowledged but not stored as acknowledged plus
 * due deliveries missing, duplicatesAfterDedupe = stored twice, acked twice differently, or two
 * messages at one (chatId, seq).
 */
export interface ScenarioFigures {
  scenario: string;
  injected: string;
  messagesInFlight: number | null;
  attempted: number | null;
  acknowledged: number | null;
  stored: number | null;
  delivered: number | null;
  lost: number | null;
  duplicatesAfterDedupe: number | null;
  timeToRecoverMs: number | null;
}

/** ScenarioFigures' keys in table order; results-table.cjs prints these columns. */
const FIGURE_COLUMNS = figureColumns as readonly (keyof ScenarioFigures)[];

/** report() for a fault scenario: every figure column present (a missing one is a bug here). */
export function reportScenario(figures: ScenarioFigures & Record<string, unknown>): void {
  const missing = FIGURE_COLUMNS.filter((c) => figures[c] === undefined);
  if (missing.length > 0) throw new Error(`${figures.scenario}: figures missing: ${missing.join(', ')}`);
  report(figures);
}

/**
 * One line per scenario: printed for the CI log and appended to .parley/faults/results.jsonl,
 * with the running stack's scenarioHealth() (a figure the scenario gives itself wins).
 */
export function report(figures: Record<string, unknown>): void {
  const merged: Record<string, unknown> = { ...figures };
  const health = active?.supervisor ? active.scenarioHealth() : {};
  for (const [k, v] of Object.entries(health)) if (!(k in merged)) merged[k] = v;
  const line = JSON.stringify({ ...merged, long: LONG, at: new Date().toISOString() });
  process.stdout.write(`FAULTS_RESULT ${line}\n`);
  const dir = join(WORKSPACE_ROOT, '.parley', 'faults');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'results.jsonl'), `${line}\n`);
}

/** Polls until `probe` is true; returns the time it took. */
export async function until(probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}
