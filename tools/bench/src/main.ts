import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { loadBenchConfig, type BenchConfig } from './bench-config';
import { BenchStack, createBenchDatabase, createBenchKeys, ROOT, type BenchDatabase, type BenchKeys } from './bench-stack';
import { runLoadgen, stopLoadgens } from './loadgen-runner';
import { createRawTable, dropRawTable, measureIngest, type IngestMode, type IngestResult } from './pg-ingest';
import { probeMemory, probeProfiler } from './probe';
import { RelayProcess } from './relay-process';
import { writeReport } from './report';
import type { BenchResults, IdleMemory, Machine, RunSummary, StorageFootprint } from './results';
import { cpuSince, snapshotCpu } from './proc-cpu';
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

/** Busy CPU seconds of the whole machine so far (/proc/stat, clock ticks of 10 ms). */
function machineBusy(): number {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return (v.reduce((a, b) => a + b, 0) - v[3] - v[4]) / 100;
}

function fdLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 1024);
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
  const pg = (await c.query<{ v: string; sc: string }>(`SELECT split_part(version(), ' on ', 1) AS v, current_setting('synchronous_commit') AS sc`)).rows[0];
  await c.end();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    postgres: `${pg.v} (synchronous_commit=${pg.sc})`,
    redis: sh('redis-server', ['--version']).replace(/^Redis server /, '').split(' ')[0] ?? 'unknown',
    nats: sh('nats-server', ['--version']),
    fdLimit: fdLimit(),
  };
}

class Bench {
  private readonly probeDir: string;
  private readonly logDir = join(ROOT, '.parley/logs/bench');
  private readonly workDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  private db!: BenchDatabase;
  private keys!: BenchKeys;
  /** What a Ctrl-C must stop before the database can be dropped. */
  private readonly running = new Set<{ stop(): Promise<void> }>();
  readonly results: BenchResults;

  constructor(private readonly config: BenchConfig) {
    mkdirSync(this.logDir, { recursive: true });
    // CPU profiles land beside the probe's memory readings.
    this.probeDir = config.cpuProfile || process.env['BENCH_HEAP_SNAPSHOT'] === '1' ? join(ROOT, '.parley/bench/profiles', new Date().toISOString().replace(/[:.]/g, '-')) : mkdtempSync(join(tmpdir(), 'parley-bench-probe-'));
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
      const a = machineBusy();
      await sleep(2000);
      const cores = (machineBusy() - a) / 2;
      if (cores <= 0.3 || Date.now() > deadline) {
        if (!first) log(`${phase}: ${cores <= 0.3 ? 'quiet again' : 'still busy, going on'} (${cores.toFixed(2)} cores busy)`);
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
    this.db = await createBenchDatabase('run');
    this.keys = createBenchKeys();
    try {
      this.results.machine = await machine(this.db.url);
      this.markLoad('start');
      await this.guard('switch cost', async () => {
        await this.waitQuiet('switch cost');
        const tiny = this.config.scale === 'tiny';
        const c = await measureSwitchCost(tiny ? 500 : 3000, tiny ? 50 : 300);
        this.results.machine.switchCost = c;
        log(`switch cost: ${c.usPerHopHot} µs CPU per hop back to back, ${c.usPerHopPaced} µs paced ${c.pacedGapMs} ms apart`);
      });
      if (this.config.phases.has('ingest')) await this.guard('ingest', () => this.ingest());
      if (this.config.phases.has('relay')) await this.guard('relay', () => this.relay());
      if (['store', 'parley', 'group', 'idle'].some((p) => this.config.phases.has(p as never))) await this.guard('parley', () => this.parley());
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
    await createRawTable(this.db.url, this.config.messagePartitions);
    const modes: IngestMode[] = ['single-row autocommit', 'unnest batch 100', 'unnest batch 500', 'copy 5000'];
    const out: IngestResult[] = [];
    for (const mode of modes) {
      for (const connections of this.config.ingestConnections) {
        await this.waitQuiet(`ingest ${mode}`);
        const r = await measureIngest(this.db.url, mode, connections, this.config.ingestSeconds, this.config.bodyBytes);
        log(`ingest ${mode} x${connections}: ${r.rowsPerSec} rows/s`);
        out.push(r);
      }
    }
    await dropRawTable(this.db.url);
    this.results.ingest = out;
  }

  private seed(users: number, groups: number, groupSize: number, withDb: boolean, file: string): Promise<unknown> {
    const args = ['seed', '--users', String(users), '--jwt-private-key-file', this.keys.jwtPrivateKeyFile, '--out', file];
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
    if (e['event'] === 'waiting') log(`${label}: others use ${String(e['otherCores'])} cores: waiting for a quiet machine`);
    else if (e['event'] === 'retry') log(`${label}: step ${String(e['step'])} missed while others used ${String(e['otherCores'])} cores: again`);
    else if (e['event'] === 'step') {
      const s = e as unknown as { offeredRate: number; deliveredMsgsPerSec: number; e2e: { p99Ms: number }; cpuUsPerMessage: number; why?: string };
      log(`${label} ${s.offeredRate}/s -> ${s.deliveredMsgsPerSec}/s delivered, e2e p99 ${s.e2e.p99Ms} ms, ${s.cpuUsPerMessage} µs CPU/msg${s.why ? ` (${s.why})` : ''}`);
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
      const bare = await RelayProcess.start({ publicKeyFile: this.keys.jwtPublicKeyFile, probeDir: this.probeDir, logFile: join(this.logDir, 'relay.log') });
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
  private async idleUsers(gatewayPid?: number): Promise<number> {
    const limit = fdLimit();
    let held = 0;
    if (gatewayPid) {
      for (let i = 0; i < 40; i++) {
        const now = readdirFds(gatewayPid);
        if (now === held) break;
        held = now;
        await sleep(500);
      }
    }
    return Math.max(2, Math.min(this.config.idleUsers, limit - held - 64));
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
    await sleep(1000);
    // The processes' own idle CPU with no sockets: subtracted from the per-socket figure.
    await this.waitQuiet(`${label} idle`);
    const base0 = snapshotCpu(cpuPids, this.db.name);
    const baseT = performance.now();
    await sleep(3000);
    const baseline = cpuSince(base0, snapshotCpu(cpuPids, this.db.name));
    const baselineSeconds = (performance.now() - baseT) / 1000;
    const before = await probeMemory(this.probeDir, pid);
    const redisBefore = await redisUsedMemory(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    let idleCpu: Promise<{ cpu: Record<string, number>; seconds: number; redis?: number }> | undefined;
    const snapshot = process.env['BENCH_HEAP_SNAPSHOT'] === '1';
    if (snapshot) probeProfiler(this.probeDir, pid, 'heap');
    let reading: Promise<Awaited<ReturnType<typeof probeMemory>>> | undefined;
    let sockets = 0;
    const hold = Math.max(this.config.idleHoldSeconds, 6);
    const summary = (await runLoadgen(
      ['run', '--gateway', url, '--population', populationFile, '--hold', String(hold), '--connect-concurrency', '64', ...sendArgs],
      (e) => {
        this.onStep(label)(e);
        if (e['event'] === 'connected') {
          sockets = Number(e['connected']);
          // CPU of idle sockets (pings, presence heartbeats) over most of the hold.
          idleCpu = (async () => {
            await sleep(2500);
            const a = snapshotCpu(cpuPids, this.db.name);
            const t = performance.now();
            await sleep(Math.max(1000, hold * 1000 - 3500));
            const cpu = cpuSince(a, snapshotCpu(cpuPids, this.db.name));
            return { cpu, seconds: (performance.now() - t) / 1000, redis: await redisUsedMemory(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379') };
          })();
          // Let handshakes, replays and presence settle, then read the heap mid-hold.
          reading = sleep(Math.min(4000, (hold * 1000) / 2)).then(async () => {
            const m = await probeMemory(this.probeDir, pid);
            if (snapshot) probeProfiler(this.probeDir, pid, 'heap');
            return m;
          });
        }
      },
    )) as unknown as RunSummary;
    if (!reading) throw new Error(`${label}: the load generator never connected`);
    const after = await reading;
    const per = (a: number, b: number) => Math.round((a - b) / Math.max(1, sockets));
    const idle = idleCpu ? await idleCpu : undefined;
    const result = {
      idleCpuUsPerSocketSecond: idle
        ? Object.fromEntries(
            Object.entries(idle.cpu).map(([k, v]) => {
              const perSecond = v / idle.seconds - (baseline[k] ?? 0) / baselineSeconds;
              return [k, Math.round(((Math.max(0, perSecond) * 1e6) / Math.max(1, sockets)) * 1000) / 1000];
            }),
          )
        : undefined,
      redisBytesPerSocket: idle?.redis !== undefined && redisBefore !== undefined ? per(idle.redis, redisBefore) : undefined,
      sockets,
      heapBeforeBytes: before.heapUsed,
      heapAfterBytes: after.heapUsed,
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
      heapPerSocketBytes: per(after.heapUsed, before.heapUsed),
      rssPerSocketBytes: per(after.rss, before.rss),
      run: summary,
    };
    log(`${label}: ${sockets} idle sockets: heap ${result.heapPerSocketBytes} B/socket, RSS ${result.rssPerSocketBytes} B/socket`);
    return result;
  }

  /** (a) Parley's full stack: message-store alone, 1:1 ramp, a 1024-member group, idle memory and the crowd. */
  private async parley(): Promise<void> {
    this.markLoad('parley stack start');
    const stack = await BenchStack.start({
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
    const pids = stack.pids();
    const cpuArgs = [...Object.entries(pids).map(([name, pid]) => `--cpu=${name}=${pid}`), '--cpu-infra', '--pg-database', this.db.name];
    const gatewayPid = pids[stack.gatewayNames[0]];
    const profile = (cmd: 'prof-start' | 'prof-stop') => {
      if (!this.config.cpuProfile) return;
      for (const pid of Object.values(pids)) probeProfiler(this.probeDir, pid, cmd);
    };
    try {
      if (this.config.phases.has('store')) {
        this.markLoad('message-store alone');
        const file = join(this.workDir, 'store-pairs.json');
        await this.seed(2000, 0, 0, true, file);
        const pop = JSON.parse(readFileSync(file, 'utf8')) as { users: { id: string }[]; chats: { id: string; members: number[] }[] };
        await this.waitQuiet('message-store alone');
        profile('prof-start');
        this.results.store = await driveStore({
          natsUrl: stack.env['NATS_URL'],
          prefix: stack.natsPrefix,
          databaseUrl: this.db.url,
          chats: pop.chats.map((c) => ({ id: c.id, senderId: pop.users[c.members[0]].id })),
          inFlight: this.config.storeInFlight,
          itemsPerRequest: this.config.storeItemsPerRequest,
          seconds: this.config.storeSeconds,
          bodyBytes: this.config.bodyBytes,
          metricsUrl: `http://127.0.0.1:${stack.env['MESSAGE_STORE_PORT']}/metrics`,
          cpuPids: { 'message-store': pids['message-store'], ...natsPid(new URL(stack.env['NATS_URL']).port || '4222') },
          databaseName: this.db.name,
        });
        profile('prof-stop');
        log(`message-store alone: ${this.results.store.rowsPerSec} rows/s (mean batch ${this.results.store.meanBatch}), ${this.results.store.cpuUsPerRow} µs CPU/row ${JSON.stringify(this.results.store.cpuSeconds)}`);
      }
      if (this.config.phases.has('parley')) {
        await settleDatabase(this.db.url);
        this.markLoad('parley 1:1 ramp');
        const file = join(this.workDir, 'parley-pairs.json');
        await this.seed(this.config.pairUsers, 0, 0, true, file);
        const walBefore = await walLsn(this.db.url);
        profile('prof-start');
        this.results.parley = (await runLoadgen(
          ['run', '--gateway', stack.gatewayUrls[0], '--population', file, ...this.rampArgs(), '--database-url', this.db.url, ...cpuArgs],
          this.onStep('parley'),
        )) as unknown as RunSummary;
        profile('prof-stop');
        this.results.storage = await storageFootprint(this.db.url, walBefore, this.results.parley.totals.acked);
      }
      if (this.config.phases.has('group')) {
        await settleDatabase(this.db.url);
        this.markLoad('parley group fan-out');
        const file = join(this.workDir, 'parley-group.json');
        await this.seed(this.config.groupSize, 1, this.config.groupSize, true, file);
        this.results.group = (await runLoadgen(
          [
            'run',
            '--gateway',
            stack.gatewayUrls[0],
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
            ...cpuArgs,
          ],
          this.onStep('group'),
        )) as unknown as RunSummary;
      }
      if (this.config.phases.has('idle')) {
        this.markLoad('parley idle + crowd');
        const users = await this.idleUsers(gatewayPid);
        if (users < this.config.idleUsers) {
          this.results.notes.push(
            `The crowd run holds ${users} users, not ${this.config.idleUsers}: one process may open ${fdLimit()} files here (hard limit, no CAP_SYS_RESOURCE), and the gateway already holds some.`,
          );
        }
        const file = join(this.workDir, 'parley-crowd.json');
        await this.seed(users, 0, 0, true, file);
        const rate = Math.round(users / this.config.idleSendIntervalS);
        const idle = await this.idleMemory(
          stack.gatewayUrls[0],
          gatewayPid,
          file,
          'parley',
          [
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
            ...cpuArgs,
          ],
          { ...pids, ...natsPid(new URL(stack.env['NATS_URL']).port || '4222'), ...redisPid() },
        );
        const { run, ...memory } = idle;
        this.results.parleyIdle = memory;
        if (run) this.results.crowd = { ...run, intervalS: this.config.idleSendIntervalS, gatewayFdLimit: fdLimit() };
      }
    } finally {
      this.markLoad('parley stack stop');
      this.running.delete(stack);
      await stack.stop();
    }
  }
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
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'nats-server' && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(port)) return { nats: Number(entry) };
    } catch {
      // gone
    }
  }
  return {};
}

/** redis-server's pid, if it runs here. */
function redisPid(): Record<string, number> {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'redis-server' && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(':6379')) return { redis: Number(entry) };
    } catch {
      // gone
    }
  }
  return {};
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
    const wal = (await c.query<{ b: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS b', [walBefore])).rows[0].b;
    const size = (
      await c.query<{ bytes: string; n: string }>(
        `SELECT (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'message_store.messages'::regclass)::bigint AS bytes,
                (SELECT count(*) FROM message_store.messages) AS n`,
      )
    ).rows[0];
    const n = Number(size.n);
    return { messages: n, bytesPerMessage: Math.round(Number(size.bytes) / Math.max(1, n)), walBytesPerMessage: Math.round(Number(wal) / Math.max(1, acked)) };
  } finally {
    await c.end();
  }
}

function readdirFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
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
