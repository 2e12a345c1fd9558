import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { Client } from 'pg';
import { machineCpu, openFilesLimit } from '@parley/tools/proc-stats';
import { log, sleep } from './log';
import type { Machine } from './results';

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** The machine the bench runs on, and the versions of PostgreSQL, Redis and NATS there. */
export async function describeMachine(databaseUrl: string): Promise<Machine> {
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

/** On a shared machine: wait (up to waitSeconds) until nothing else uses more than 0.3 cores. */
export async function waitForQuietMachine(phase: string, waitSeconds: number): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
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
