import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createTestDatabase, createTestKeys, WORKSPACE_ROOT as ROOT, type TestDatabase } from '@parley/shared/testing';
import { loadBenchConfig, type BenchConfig } from './bench-config';
import { stopLoadgens } from './loadgen-runner';
import { log } from './log';
import { describeMachine } from './machine';
import { BenchContext, benchDirs, type BenchDirs, type Stoppable } from './phases/context';
import { groupFanOut } from './phases/group';
import { idleCrowd } from './phases/idle-crowd';
import { ingest } from './phases/ingest';
import { beforeAfter } from './phases/before-after';
import { oneToOneRamp } from './phases/one-to-one-ramp';
import { parleyRun, startBenchStack } from './phases/parley-run';
import { relay } from './phases/relay';
import { scaleOut } from './phases/scale-out';
import { storeAlone } from './phases/store';
import { switchCost } from './phases/switch-cost';
import { transports } from './phases/transports';
import { writeReport } from './report';
import type { BenchResults, Machine } from './results';

/** The bench's phases in order (each in phases/), on one database; a failed phase is noted and the others run. */
class Bench {
  private readonly dirs: BenchDirs;
  private db?: TestDatabase;
  /** What a Ctrl-C must stop before the database can be dropped. */
  private readonly running = new Set<Stoppable>();
  readonly results: BenchResults;
  /** Ctrl-C / SIGTERM: stop what runs (the load generator exits with its parent's pipes) and drop the database. */
  aborted = false;

  constructor(private readonly config: BenchConfig) {
    this.dirs = benchDirs(config);
    this.results = {
      startedAt: new Date().toISOString(),
      scale: config.scale,
      machine: {} as Machine,
      loadAvg: [],
      config: { ...config, phases: [...config.phases] },
      notes: [],
    };
  }

  async run(): Promise<BenchResults> {
    const { config } = this;
    const db = await createTestDatabase('bench_run', process.env['BENCH_DATABASE_URL']);
    this.db = db;
    const ctx = new BenchContext(config, db, createTestKeys(), this.dirs, this.results, this.running);
    try {
      this.results.machine = await describeMachine(db.url);
      ctx.markLoad('start');
      await this.guard('switch cost', () => switchCost(ctx));
      if (config.phases.has('ingest')) await this.guard('ingest', () => ingest(ctx));
      if (config.phases.has('relay')) await this.guard('relay', () => relay(ctx));
      if (['store', 'parley', 'group', 'idle', 'transport'].some((p) => config.phases.has(p as never)))
        await this.guard('parley', () => this.parley(ctx));
      // After the main stack stopped: two gateways and two stores on the same cores.
      if (config.phases.has('scaleout')) await this.guard('scaleout', () => scaleOut(ctx));
      const baseline = config.baseline;
      if (baseline && config.phases.has('compare')) await this.guard('compare', () => beforeAfter(ctx, baseline));
      ctx.markLoad('end');
    } finally {
      await db.drop().catch((err: unknown) => log(`could not drop ${db.name}: ${(err as Error).message}`));
    }
    this.results.finishedAt = new Date().toISOString();
    return this.results;
  }

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

  /** (a) Parley's full stack: message-store alone, 1:1 ramp, a 1024-member group, idle memory and the crowd. */
  private async parley(ctx: BenchContext): Promise<void> {
    const { phases } = this.config;
    ctx.markLoad('parley stack start');
    const stack = await startBenchStack(ctx);
    await ctx.whileRunning(stack, async () => {
      const run = parleyRun(ctx, stack);
      try {
        if (phases.has('store')) await storeAlone(ctx, run);
        if (phases.has('parley')) await oneToOneRamp(ctx, run);
        if (phases.has('group')) await groupFanOut(ctx, run);
        if (phases.has('idle')) await idleCrowd(ctx, run);
        if (phases.has('transport')) await transports(ctx, run);
      } finally {
        ctx.markLoad('parley stack stop');
      }
    });
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
