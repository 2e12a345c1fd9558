import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import {
  createTestDatabase,
  createTestKeys,
  WORKSPACE_ROOT as ROOT,
  type TestDatabase,
  type TestKeys,
  type TestStack,
} from '@parley/shared/testing';
import {
  cpuDelta,
  machineCpu,
  openFdsOf,
  openFilesLimit,
  pidOf,
  sampleCpu,
  type CpuScope,
} from '@parley/tools/proc-stats';
import { loadBenchConfig, type BenchConfig } from './bench-config';
import { runLoadgen, stopLoadgens } from './loadgen-runner';
import { createIngestDatabase, measureIngest, type IngestMode, type IngestResult } from './pg-ingest';
import { probeMemory, probeProfiler, type MemoryUsage } from './probe';
import { RelayProcess } from './relay-process';
import { writeReport } from './report';
import { startParleyStack, stackPids } from './parley-stack';
import type { BenchResults, IdleMemory, Machine, RunSummary, StorageFootprint } from './results';
import { redisUsedMemory } from './redis-info';
import { driveStore } from './store-drive';
import { measureSwitchCost } from './switch-cost';

const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * CPU of the given processes, plus PostgreSQL's (its own processes and this database's
 * backends): the bench's phases that the load generator does not drive.
 */
function cpuScope(pids: Record<string, number>, database: string): CpuScope {
  return {
    pids: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, [pid]])),
    infra: { pgDatabase: database, only: ['postgres'] },
  };
}

/**
 * Between phases: vacuum and analyze what the last phase wrote, and checkpoint, so that
 * autovacuum and a checkpoint triggered by one phase do not run during the next.
 */
async function settleDatabase(databaseUrl: string): Promise<void> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('VACUUM (ANALYZE) message_store.chats, message_store.chat_members, message_store.messages');
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

async function machine(databaseUrl: string): Promise<Machine> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  const pg = (
    await c.query<{ v: string; sc: string }>(
      `SELECT split_part(version(), ' on ', 1) AS v, current_setting('synchronous_commit') AS sc`,
    )
  ).rows[0];
  await c.end();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    postgres: `${pg.v} (synchronous_commit=${pg.sc})`,
    redis:
      sh('redis-server', ['--version'])
        .replace(/^Redis server /, '')
        .split(' ')[0] ?? 'unknown',
    nats: sh('nats-server', ['--version']),
    fdLimit: openFilesLimit(),
  };
}

class Bench {
  private readonly probeDir: string;
  private readonly logDir = join(ROOT, '.parley/logs/bench');
  private readonly workDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  private db!: TestDatabase;
  private keys!: TestKeys;
  /** What a Ctrl-C must stop before the database can be dropped. */
  private readonly running = new Set<{ stop(): Promise<void> }>();
  readonly results: BenchResults;

  constructor(private readonly config: BenchConfig) {
    mkdirSync(this.logDir, { recursive: true });
    // CPU profiles land beside the probe's memory readings.
    this.probeDir =
      config.cpuProfile || process.env['BENCH_HEAP_SNAPSHOT'] === '1'
        ? join(ROOT, '.parley/bench/profiles', new Date().toISOString().replace(/[:.]/g, '-'))
        : mkdtempSync(join(tmpdir(), 'parley-bench-probe-'));
    mkdirSync(this.probeDir, { recursive: true });
    if (config.cpuProfile) log(`CPU profiles of the 1:1 ramp -> ${this.probeDir}`);
    this.results = {
      startedAt: new Date().toISOString(),
      scale: config.scale,
      machine: {} as Machine,
      loadAvg: [],
      config: { ...config, phases: [...config.phases] },
      notes: [],
    };
  }

  /** On a shared machine: wait (up to quietWaitSeconds) until nothing else uses more than 0.3 cores. */
  private async waitQuiet(phase: string): Promise<void> {
    const deadline = Date.now() + this.config.quietWaitSeconds * 1000;
    for (let first = true; ; first = false) {
      const a = machineCpu().busy;
      await sleep(2000);
      const cores = (machineCpu().busy - a) / 2;
      if (cores <= 0.3 || Date.now() > deadline) {
        if (!first)
          log(`${phase}: ${cores <= 0.3 ? 'quiet again' : 'still busy, going on'} (${cores.toFixed(2)} cores busy)`);
        return;
      }
      if (first) log(`${phase}: the machine is busy (${cores.toFixed(2)} cores): waiting`);
    }
  }

  private markLoad(phase: string): void {
    const [load1, load5, load15] = loadavg().map((l) => Math.round(l * 100) / 100);
    this.results.loadAvg.push({ phase, at: new Date().toISOString(), load1, load5, load15 });
    log(`${phase}: load average ${load1} ${load5} ${load15}`);
  }

  async run(): Promise<BenchResults> {
    this.db = await createTestDatabase('bench_run', process.env['BENCH_DATABASE_URL']);
    this.keys = createTestKeys();
    try {
      this.results.machine = await machine(this.db.url);
      this.markLoad('start');
      await this.guard('switch cost', async () => {
        await this.waitQuiet('switch cost');
        const tiny = this.config.scale === 'tiny';
        const c = await measureSwitchCost(tiny ? 500 : 3000, tiny ? 50 : 300);
        this.results.machine.switchCost = c;
        log(
          `switch cost: ${c.usPerHopHot} µs CPU per hop back to back, ${c.usPerHopPaced} µs paced ${c.pacedGapMs} ms apart`,
        );
      });
      if (this.config.phases.has('ingest')) await this.guard('ingest', () => this.ingest());
      if (this.config.phases.has('relay')) await this.guard('relay', () => this.relay());
      if (['store', 'parley', 'group', 'idle', 'transport'].some((p) => this.config.phases.has(p as never)))
        await this.guard('parley', () => this.parley());
      this.markLoad('end');
    } finally {
      await this.db.drop().catch((err: unknown) => log(`could not drop ${this.db.name}: ${(err as Error).message}`));
    }
    this.results.finishedAt = new Date().toISOString();
    return this.results;
  }

  /** Ctrl-C / SIGTERM: stop what runs (the load generator exits with its parent's pipes) and drop the database. */
  aborted = false;

  async abort(): Promise<void> {
    this.aborted = true;
    stopLoadgens();
    for (const r of [...this.running]) await r.stop().catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
  }

  /** A failed phase is reported in the document, and the others still run. */
  private async guard(phase: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (this.aborted) throw err;
      log(`${phase} failed: ${(err as Error).stack ?? String(err)}`);
      this.results.notes.push(`Phase ${phase} failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  /** (c) Raw PostgreSQL ingest of message rows: the storage ceiling. */
  private async ingest(): Promise<void> {
    this.markLoad('ingest');
    const db = await createIngestDatabase(this.config.messagePartitions, process.env['BENCH_DATABASE_URL']);
    const modes: IngestMode[] = ['single-row autocommit', 'unnest batch 100', 'unnest batch 500', 'copy 5000'];
    const out: IngestResult[] = [];
    try {
      for (const mode of modes) {
        for (const connections of this.config.ingestConnections) {
          await this.waitQuiet(`ingest ${mode}`);
          const r = await measureIngest(db.url, mode, connections, this.config.ingestSeconds, this.config.bodyBytes);
          log(`ingest ${mode} x${connections}: ${r.rowsPerSec} rows/s`);
          out.push(r);
        }
      }
    } finally {
      await db.drop().catch((err: unknown) => log(`could not drop ${db.name}: ${(err as Error).message}`));
    }
    this.results.ingest = out;
  }

  private seed(users: number, groups: number, groupSize: number, withDb: boolean, file: string): Promise<unknown> {
    const args = [
      'seed',
      '--users',
      String(users),
      '--jwt-private-key-file',
      this.keys.jwtPrivateKeyFile,
      '--out',
      file,
    ];
    if (groups > 0) args.push('--groups', String(groups), '--group-size', String(groupSize));
    if (withDb) args.push('--database-url', this.db.url);
    return runLoadgen(args);
  }

  private rampArgs(): string[] {
    const c = this.config;
    return [
      '--ramp',
      `${c.rampStart}:${c.rampFactor}:${c.rampMax}`,
      '--refine',
      String(c.refine),
      '--step-duration',
      String(c.stepSeconds),
      '--slo-p99-ms',
      String(c.sloP99Ms),
      '--warmup',
      String(c.warmupSeconds),
      '--then-half',
      String(c.halfSeconds),
      '--body-bytes',
      String(c.bodyBytes),
      '--quiet-wait',
      String(c.quietWaitSeconds),
    ];
  }

  private onStep = (label: string) => (e: Record<string, unknown>) => {
    if (e['event'] === 'waiting')
      log(`${label}: others use ${String(e['otherCores'])} cores: waiting for a quiet machine`);
    else if (e['event'] === 'retry')
      log(`${label}: step ${String(e['step'])} missed while others used ${String(e['otherCores'])} cores: again`);
    else if (e['event'] === 'step') {
      const s = e as unknown as {
        offeredRate: number;
        deliveredMsgsPerSec: number;
        e2e: { p99Ms: number };
        cpuUsPerMessage: number;
        why?: string;
      };
      log(
        `${label} ${s.offeredRate}/s -> ${s.deliveredMsgsPerSec}/s delivered, e2e p99 ${s.e2e.p99Ms} ms, ${s.cpuUsPerMessage} µs CPU/msg${s.why ? ` (${s.why})` : ''}`,
      );
    } else if (e['event'] === 'connected') log(`${label}: ${JSON.stringify(e)}`);
  };

  /** (b) The bare Socket.IO relay: ramp to its ceiling, then idle-socket memory. */
  private async relay(): Promise<void> {
    this.markLoad('relay');
    const popFile = join(this.workDir, 'relay-pairs.json');
    await this.seed(this.config.pairUsers, 0, 0, false, popFile);
    const relay = await RelayProcess.start({
      populationFile: popFile,
      publicKeyFile: this.keys.jwtPublicKeyFile,
      probeDir: this.probeDir,
      logFile: join(this.logDir, 'relay.log'),
    });
    this.running.add(relay);
    try {
      this.results.relay = (await runLoadgen(
        ['run', '--gateway', relay.url, '--population', popFile, ...this.rampArgs(), '--cpu', `relay=${relay.pid}`],
        this.onStep('relay'),
      )) as unknown as RunSummary;
    } finally {
      this.running.delete(relay);
      await relay.stop();
    }
    if (this.config.phases.has('idle')) {
      const users = await this.idleUsers();
      const idleFile = join(this.workDir, 'relay-idle.json');
      await this.seed(users, 0, 0, false, idleFile);
      const bare = await RelayProcess.start({
        publicKeyFile: this.keys.jwtPublicKeyFile,
        probeDir: this.probeDir,
        logFile: join(this.logDir, 'relay.log'),
      });
      this.running.add(bare);
      try {
        this.results.relayIdle = await this.idleMemory(bare.url, bare.pid, idleFile, 'bare Socket.IO');
      } finally {
        this.running.delete(bare);
        await bare.stop();
      }
    }
  }

  /**
   * Users that fit one gateway process: its open-files limit minus what it holds
   * (waiting for the sockets of earlier phases to close first) and a margin.
   */
  private async idleUsers(gatewayPid?: number, wanted = this.config.idleUsers): Promise<number> {
    const limit = openFilesLimit();
    let held = 0;
    if (gatewayPid) {
      for (let i = 0; i < 40; i++) {
        const now = openFdsOf(gatewayPid) ?? 0;
        if (now === held) break;
        held = now;
        await sleep(500);
      }
    }
    return Math.max(2, Math.min(wanted, limit - held - 64));
  }

  /** Connects idle sockets and reads the server's heap and RSS (after a full GC) before and mid-hold. */
  private async idleMemory(
    url: string,
    pid: number,
    populationFile: string,
    label: string,
    sendArgs: string[] = [],
    cpuPids: Record<string, number> = { server: pid },
  ): Promise<IdleMemory & { run?: RunSummary }> {
    const scope = cpuScope(cpuPids, this.db.name);
    await sleep(1000);
    const baseline = await this.idleBaselineCpu(scope, label);
    const before = await probeMemory(this.probeDir, pid);
    const redisBefore = await redisUsedMemory(REDIS_URL);
    const held = await this.holdIdleSockets({ url, pid, populationFile, label, sendArgs, scope });
    const result = {
      ...idleFigures(held, baseline, before, redisBefore),
      run: held.summary,
    };
    log(
      `${label}: ${held.sockets} idle sockets: heap ${result.heapPerSocketBytes} B/socket, RSS ${result.rssPerSocketBytes} B/socket`,
    );
    return result;
  }

  /** The processes' own idle CPU with no sockets: subtracted from the per-socket figure. */
  private async idleBaselineCpu(scope: CpuScope, label: string): Promise<CpuSpan> {
    await this.waitQuiet(`${label} idle`);
    return cpuOver(scope, 3000);
  }

  /**
   * Runs the load generator holding the sockets (sending as sendArgs say); once they are
   * connected, measures their CPU over most of the hold and reads the server's memory mid-hold.
   */
  private async holdIdleSockets(o: {
    url: string;
    pid: number;
    populationFile: string;
    label: string;
    sendArgs: string[];
    scope: CpuScope;
  }): Promise<IdleHold> {
    const hold = Math.max(this.config.idleHoldSeconds, 6);
    const snapshot = process.env['BENCH_HEAP_SNAPSHOT'] === '1';
    if (snapshot) probeProfiler(this.probeDir, o.pid, 'heap');
    let sockets = 0;
    let idleCpu: Promise<CpuSpan & { redis?: number }> | undefined;
    let reading: Promise<MemoryUsage> | undefined;
    const summary = (await runLoadgen(
      [
        'run',
        '--gateway',
        o.url,
        '--population',
        o.populationFile,
        '--hold',
        String(hold),
        '--connect-concurrency',
        '64',
        ...o.sendArgs,
      ],
      (e) => {
        this.onStep(o.label)(e);
        if (e['event'] !== 'connected') return;
        sockets = Number(e['connected']);
        // CPU of idle sockets (pings, presence heartbeats) over most of the hold.
        idleCpu = sleep(2500).then(async () => ({
          ...(await cpuOver(o.scope, Math.max(1000, hold * 1000 - 3500))),
          redis: await redisUsedMemory(REDIS_URL),
        }));
        // Let handshakes, replays and presence settle, then read the heap mid-hold.
        reading = sleep(Math.min(4000, (hold * 1000) / 2)).then(async () => {
          const m = await probeMemory(this.probeDir, o.pid);
          if (snapshot) probeProfiler(this.probeDir, o.pid, 'heap');
          return m;
        });
      },
    )) as unknown as RunSummary;
    if (!reading) throw new Error(`${o.label}: the load generator never connected`);
    return { summary, sockets, after: await reading, idle: idleCpu ? await idleCpu : undefined };
  }

  /** (a) Parley's full stack: message-store alone, 1:1 ramp, a 1024-member group, idle memory and the crowd. */
  private async parley(): Promise<void> {
    this.markLoad('parley stack start');
    const stack = await startParleyStack({
      label: 'parley',
      db: this.db,
      keys: this.keys,
      probeDir: this.probeDir,
      env: {
        MESSAGE_PARTITIONS: String(this.config.messagePartitions),
        // The bench's users send far above a person's rate; docs/protocol.md's defaults stay for production.
        RATE_LIMIT_MESSAGES_PER_SECOND: '10000',
        RATE_LIMIT_MESSAGES_BURST: '100000',
        // Experiments: BENCH_APP_ENV="APPEND_BATCH_WAIT_MS=5,DATABASE_POOL_SIZE=20" (recorded in the report).
        ...appEnv(process.env['BENCH_APP_ENV']),
      },
    });
    this.running.add(stack);
    const run = this.parleyRun(stack);
    try {
      if (this.config.phases.has('store')) await this.storeAlone(run);
      if (this.config.phases.has('parley')) await this.oneToOneRamp(run);
      if (this.config.phases.has('group')) await this.groupFanOut(run);
      if (this.config.phases.has('idle')) await this.idleCrowd(run);
      if (this.config.phases.has('transport')) await this.transports(run);
    } finally {
      this.markLoad('parley stack stop');
      this.running.delete(stack);
      await stack.stop();
    }
  }

  /** What every phase on the Parley stack needs: its pids, the load generator's CPU arguments, the profiler switch. */
  private parleyRun(stack: TestStack): ParleyRun {
    const pids = stackPids(stack);
    return {
      stack,
      pids,
      gatewayUrl: stack.gatewayUrls[0],
      gatewayGrpcAddress: stack.gatewayGrpcAddress,
      gatewayPid: pids[stack.gatewayNames()[0]],
      natsPid: natsPid(new URL(stack.env['NATS_URL']).port || '4222'),
      cpuArgs: [
        ...Object.entries(pids).map(([name, pid]) => `--cpu=${name}=${pid}`),
        '--cpu-infra',
        '--pg-database',
        this.db.name,
      ],
      profile: (cmd) => {
        if (!this.config.cpuProfile) return;
        for (const pid of Object.values(pids)) probeProfiler(this.probeDir, pid, cmd);
      },
    };
  }

  /** message-store alone, driven over NATS at its ceiling. */
  private async storeAlone(run: ParleyRun): Promise<void> {
    this.markLoad('message-store alone');
    const file = join(this.workDir, 'store-pairs.json');
    await this.seed(2000, 0, 0, true, file);
    const pop = JSON.parse(readFileSync(file, 'utf8')) as {
      users: { id: string }[];
      chats: { id: string; members: number[] }[];
    };
    await this.waitQuiet('message-store alone');
    run.profile('prof-start');
    const store = await driveStore({
      natsUrl: run.stack.env['NATS_URL'],
      prefix: run.stack.env['NATS_SUBJECT_PREFIX'],
      databaseUrl: this.db.url,
      chats: pop.chats.map((c) => ({ id: c.id, senderId: pop.users[c.members[0]].id })),
      inFlight: this.config.storeInFlight,
      itemsPerRequest: this.config.storeItemsPerRequest,
      seconds: this.config.storeSeconds,
      bodyBytes: this.config.bodyBytes,
      metricsUrl: `http://127.0.0.1:${run.stack.env['MESSAGE_STORE_PORT']}/metrics`,
      cpu: cpuScope({ 'message-store': run.pids['message-store'], ...run.natsPid }, this.db.name),
    });
    run.profile('prof-stop');
    this.results.store = store;
    log(
      `message-store alone: ${store.rowsPerSec} rows/s (mean batch ${store.meanBatch}), ${store.cpuUsPerRow} µs CPU/row ${JSON.stringify(store.cpuSeconds)}`,
    );
  }

  /** 1:1 chats through the whole stack: ramp to the ceiling, then what the run wrote to PostgreSQL. */
  private async oneToOneRamp(run: ParleyRun): Promise<void> {
    await settleDatabase(this.db.url);
    this.markLoad('parley 1:1 ramp');
    const file = join(this.workDir, 'parley-pairs.json');
    await this.seed(this.config.pairUsers, 0, 0, true, file);
    const walBefore = await walLsn(this.db.url);
    run.profile('prof-start');
    const summary = await this.rampOnStack(run, file, 'parley');
    run.profile('prof-stop');
    this.results.parley = summary;
    this.results.storage = await storageFootprint(this.db.url, walBefore, summary.totals.acked);
  }

  /** The 1:1 ramp of a seeded population through the stack's first gateway, checked against PostgreSQL. */
  private async rampOnStack(run: ParleyRun, file: string, label: string, extra: string[] = []): Promise<RunSummary> {
    return (await runLoadgen(
      [
        'run',
        '--gateway',
        run.gatewayUrl,
        ...extra,
        '--population',
        file,
        ...this.rampArgs(),
        '--database-url',
        this.db.url,
        ...run.cpuArgs,
      ],
      this.onStep(label),
    )) as unknown as RunSummary;
  }

  /** One member of a large group sending at a fixed rate. */
  private async groupFanOut(run: ParleyRun): Promise<void> {
    await settleDatabase(this.db.url);
    this.markLoad('parley group fan-out');
    const file = join(this.workDir, 'parley-group.json');
    await this.seed(this.config.groupSize, 1, this.config.groupSize, true, file);
    this.results.group = (await runLoadgen(
      [
        'run',
        '--gateway',
        run.gatewayUrl,
        '--population',
        file,
        '--senders',
        'first',
        // The group target is e2e p99 <= 250 ms (a message to 1,023 sockets).
        '--slo-p99-ms',
        '250',
        '--noisy-retries',
        '2',
        '--quiet-wait',
        String(this.config.quietWaitSeconds),
        '--rate',
        String(this.config.groupRate),
        '--duration',
        String(this.config.groupSeconds),
        '--database-url',
        this.db.url,
        ...run.cpuArgs,
      ],
      this.onStep('group'),
    )) as unknown as RunSummary;
  }

  /** As many users as one gateway can hold: idle memory and CPU, then each sending now and then (the crowd). */
  private async idleCrowd(run: ParleyRun): Promise<void> {
    this.markLoad('parley idle + crowd');
    const users = await this.idleUsers(run.gatewayPid);
    if (users < this.config.idleUsers) {
      this.results.notes.push(
        `The crowd run holds ${users} users, not ${this.config.idleUsers}: one process may open ${openFilesLimit()} files here (hard limit, no CAP_SYS_RESOURCE), and the gateway already holds some.`,
      );
    }
    const file = join(this.workDir, 'parley-crowd.json');
    await this.seed(users, 0, 0, true, file);
    const rate = Math.round(users / this.config.idleSendIntervalS);
    const sendArgs = [
      '--rate',
      String(rate),
      '--duration',
      String(this.config.idleSendSeconds),
      '--noisy-retries',
      '1',
      '--quiet-wait',
      String(this.config.quietWaitSeconds),
      '--database-url',
      this.db.url,
      ...run.cpuArgs,
    ];
    const { run: crowd, ...memory } = await this.idleMemory(run.gatewayUrl, run.gatewayPid, file, 'parley', sendArgs, {
      ...run.pids,
      ...run.natsPid,
      ...redisPid(),
    });
    this.results.parleyIdle = memory;
    if (crowd)
      this.results.crowd = { ...crowd, intervalS: this.config.idleSendIntervalS, gatewayFdLimit: openFilesLimit() };
  }

  /**
   * Socket.IO (WebSocket) vs gRPC (one HTTP/2 stream per user) on this one stack: for each, the
   * same 1:1 ramp (fresh users, open loop, zero-loss check, CPU of every server process, bytes
   * on the wire counted per connection on the client side), then idle authenticated connections.
   */
  private async transports(run: ParleyRun): Promise<void> {
    const out: NonNullable<BenchResults['transports']> = {};
    this.results.transports = out;
    for (const transport of ['socketio', 'grpc'] as const) {
      const args =
        transport === 'grpc' ? ['--transport', 'grpc', '--grpc', run.gatewayGrpcAddress] : ['--transport', 'socketio'];
      await settleDatabase(this.db.url);
      this.markLoad(`${transport} 1:1 ramp`);
      const file = join(this.workDir, `${transport}-pairs.json`);
      await this.seed(this.config.pairUsers, 0, 0, true, file);
      const summary = await this.rampOnStack(run, file, transport, args);
      out[transport] = { run: summary };
      this.markLoad(`${transport} idle`);
      const idleFile = join(this.workDir, `${transport}-idle.json`);
      await this.seed(await this.idleUsers(run.gatewayPid, this.config.transportIdleUsers), 0, 0, true, idleFile);
      out[transport] = {
        run: summary,
        idle: await this.idleMemory(run.gatewayUrl, run.gatewayPid, idleFile, `${transport} idle`, args),
      };
    }
  }
}

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface ParleyRun {
  stack: TestStack;
  pids: Record<string, number>;
  gatewayUrl: string;
  /** host:port of the gateway's gRPC edge. */
  gatewayGrpcAddress: string;
  gatewayPid: number;
  natsPid: Record<string, number>;
  cpuArgs: string[];
  profile: (cmd: 'prof-start' | 'prof-stop') => void;
}

/** CPU seconds of a scope over a span of wall time. */
interface CpuSpan {
  cpu: Record<string, number>;
  seconds: number;
}

async function cpuOver(scope: CpuScope, ms: number): Promise<CpuSpan> {
  const before = sampleCpu(scope);
  const t = performance.now();
  await sleep(ms);
  return { cpu: cpuDelta(before, sampleCpu(scope)), seconds: (performance.now() - t) / 1000 };
}

interface IdleHold {
  summary: RunSummary;
  sockets: number;
  after: MemoryUsage;
  idle?: CpuSpan & { redis?: number };
}

/** Per-socket memory, Redis and CPU (above the processes' own idle baseline) of one hold. */
function idleFigures(
  held: IdleHold,
  baseline: CpuSpan,
  before: MemoryUsage,
  redisBefore: number | undefined,
): IdleMemory {
  const { sockets, after, idle } = held;
  const per = (a: number, b: number) => Math.round((a - b) / Math.max(1, sockets));
  const cpuPerSocket = (span: CpuSpan, name: string) => {
    const perSecond = span.cpu[name] / span.seconds - (baseline.cpu[name] ?? 0) / baseline.seconds;
    return Math.round(((Math.max(0, perSecond) * 1e6) / Math.max(1, sockets)) * 1000) / 1000;
  };
  return {
    idleCpuUsPerSocketSecond: idle
      ? Object.fromEntries(Object.keys(idle.cpu).map((name) => [name, cpuPerSocket(idle, name)]))
      : undefined,
    redisBytesPerSocket:
      idle?.redis !== undefined && redisBefore !== undefined ? per(idle.redis, redisBefore) : undefined,
    sockets,
    heapBeforeBytes: before.heapUsed,
    heapAfterBytes: after.heapUsed,
    rssBeforeBytes: before.rss,
    rssAfterBytes: after.rss,
    heapPerSocketBytes: per(after.heapUsed, before.heapUsed),
    rssPerSocketBytes: per(after.rss, before.rss),
  };
}

function appEnv(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (spec ?? '').split(',').filter(Boolean)) {
    const [k, ...v] = pair.split('=');
    out[k.trim()] = v.join('=').trim();
  }
  return out;
}

/** nats-server's pid (shared by every stack on this machine), if it runs here. */
function natsPid(port: string): Record<string, number> {
  const pid = pidOf('nats-server', port);
  return pid ? { nats: pid } : {};
}

/** redis-server's pid, if it runs here. */
function redisPid(): Record<string, number> {
  const pid = pidOf('redis-server', ':6379');
  return pid ? { redis: pid } : {};
}

async function walLsn(databaseUrl: string): Promise<string> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
  } finally {
    await c.end();
  }
}

/** Bytes per stored message (table + indexes) and WAL per acked message of the 1:1 run. */
async function storageFootprint(databaseUrl: string, walBefore: string, acked: number): Promise<StorageFootprint> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const wal = (
      await c.query<{ b: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS b', [walBefore])
    ).rows[0].b;
    const size = (
      await c.query<{ bytes: string; n: string }>(
        `SELECT (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'message_store.messages'::regclass)::bigint AS bytes,
                (SELECT count(*) FROM message_store.messages) AS n`,
      )
    ).rows[0];
    const n = Number(size.n);
    return {
      messages: n,
      bytesPerMessage: Math.round(Number(size.bytes) / Math.max(1, n)),
      walBytesPerMessage: Math.round(Number(wal) / Math.max(1, acked)),
    };
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const config = loadBenchConfig(process.env, ROOT);
  if (process.argv.includes('--render')) {
    // Only the documents, again, from the last run's figures (after a change to the report).
    writeReport(JSON.parse(readFileSync(config.jsonOut, 'utf8')) as BenchResults, config);
    log(`rewrote ${config.out} and ${config.scalingOut} from ${config.jsonOut}`);
    return;
  }
  log(`scale ${config.scale}; phases ${[...config.phases].join(', ')}; report -> ${config.out}`);
  const bench = new Bench(config);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void bench.abort().finally(() => process.exit(130));
    });
  }
  const results = await bench.run().catch((err: unknown) => {
    if (bench.aborted) return undefined;
    throw err;
  });
  // An interrupted run writes nothing: a partial run must not replace the last report.
  if (!results || bench.aborted) return new Promise<void>(() => undefined);
  mkdirSync(dirname(config.jsonOut), { recursive: true });
  writeFileSync(config.jsonOut, JSON.stringify(results, null, 2));
  writeReport(results, config);
  log(`wrote ${config.out}, ${config.chartOut} and ${config.jsonOut}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
