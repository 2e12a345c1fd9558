import { mkdirSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT as ROOT, type TestDatabase, type TestKeys } from '@parley/shared/testing';
import type { BenchConfig } from '../bench-config';
import { runLoadgen } from '../loadgen-runner';
import { log } from '../log';
import { waitForQuietMachine } from '../machine';
import type { BenchResults } from '../results';

/** A process a phase starts and a Ctrl-C must stop (before the database can be dropped). */
export interface Stoppable {
  stop(): Promise<void>;
}

/** Where the bench writes: the probe's memory readings and CPU profiles, the apps' logs, seeded populations. */
export interface BenchDirs {
  probeDir: string;
  logDir: string;
  workDir: string;
}

export function benchDirs(config: BenchConfig): BenchDirs {
  const workDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const logDir = join(ROOT, '.parley/logs/bench');
  mkdirSync(logDir, { recursive: true });
  // CPU profiles land beside the probe's memory readings.
  const probeDir =
    config.cpuProfile || process.env['BENCH_HEAP_SNAPSHOT'] === '1'
      ? join(ROOT, '.parley/bench/profiles', new Date().toISOString().replace(/[:.]/g, '-'))
      : mkdtempSync(join(tmpdir(), 'parley-bench-probe-'));
  mkdirSync(probeDir, { recursive: true });
  if (config.cpuProfile) log(`CPU profiles (message-store drive, 1:1 step at the maximum rate) -> ${probeDir}`);
  return { probeDir, logDir, workDir };
}

/** What every phase works with: the settings, the run's database and keys, its folders, and the results it fills in. */
export class BenchContext {
  constructor(
    readonly config: BenchConfig,
    readonly db: TestDatabase,
    readonly keys: TestKeys,
    readonly dirs: BenchDirs,
    readonly results: BenchResults,
    /** What runs now, for a Ctrl-C to stop. */
    private readonly running: Set<Stoppable>,
  ) {}

  /** Records (and logs) the load average as a phase begins. */
  markLoad(phase: string): void {
    const [load1, load5, load15] = loadavg().map((l) => Math.round(l * 100) / 100);
    this.results.loadAvg.push({ phase, at: new Date().toISOString(), load1, load5, load15 });
    log(`${phase}: load average ${load1} ${load5} ${load15}`);
  }

  waitQuiet(phase: string): Promise<void> {
    return waitForQuietMachine(phase, this.config.quietWaitSeconds);
  }

  /** Seeds a population into `file` (users, and `groups` groups of `groupSize`), and into the database withDb. */
  seed(
    users: number,
    groups: number,
    groupSize: number,
    withDb: boolean,
    file: string,
    db: TestDatabase = this.db,
  ): Promise<unknown> {
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
    if (withDb) args.push('--database-url', db.url);
    return runLoadgen(args);
  }

  /**
   * A process being started: a Ctrl-C during its start-up (a stack of six apps takes seconds)
   * waits for it to be up and stops it, instead of leaving it running after the bench exits.
   */
  async started<T extends Stoppable>(starting: Promise<T>): Promise<T> {
    const pending: Stoppable = { stop: async () => (await starting.catch(() => undefined))?.stop() };
    this.running.add(pending);
    try {
      return await starting;
    } finally {
      this.running.delete(pending);
    }
  }

  /** Runs work while `proc` runs, then stops it; a Ctrl-C meanwhile stops it too. */
  async whileRunning<T>(proc: Stoppable, work: () => Promise<T>): Promise<T> {
    this.running.add(proc);
    try {
      return await work();
    } finally {
      this.running.delete(proc);
      await proc.stop();
    }
  }
}
