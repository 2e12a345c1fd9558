import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * What the bench and the load generator read from Linux's /proc: CPU of processes and of
 * the machine, open files. One reader, so both tools' figures mean the same thing.
 */

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Live pids of /proc (a process may be gone by the time it is read). */
function procPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/**
 * CPU seconds a process has used so far and how many times the scheduler put one of its
 * threads on a CPU (wake-ups and preemptions), summed over its threads (V8's GC and
 * compiler threads and libuv's pool too); undefined once it is gone. Read from schedstat
 * (the scheduler's nanosecond run time), which unlike stat's utime/stime is not sampled at
 * clock ticks: on a busy 2-core machine tick sampling misattributes short bursts.
 */
export function schedOf(pid: number): { cpu: number; runs: number } | undefined {
  try {
    let ns = 0;
    let runs = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [run, , slices] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ');
        ns += Number(run);
        runs += Number(slices);
      } catch {
        // thread just exited
      }
    }
    return { cpu: ns / 1e9, runs };
  } catch {
    const cpu = statCpuSecondsOf(pid);
    return cpu === undefined ? undefined : { cpu, runs: 0 };
  }
}

function statCpuSecondsOf(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // Fields after the parenthesised comm (which may hold spaces): state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Files a process holds open; undefined once it is gone. */
export function openFdsOf(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** This process's open-files limit (soft), which a child inherits. */
export function openFilesLimit(): number {
  const line = read('/proc/self/limits')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 1024);
}

/** The first process named `comm` whose command line contains `cmdlineHas` (e.g. its port). */
export function pidOf(comm: string, cmdlineHas: string): number | undefined {
  return procPids().find(
    (pid) => read(`/proc/${pid}/comm`).trim() === comm && read(`/proc/${pid}/cmdline`).includes(cmdlineHas),
  );
}

/** Busy and total CPU seconds of the whole machine (all cores) so far, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = read('/proc/stat').split('\n')[0] ?? '';
  const [, ...fields] = line.trim().split(/\s+/);
  const v = fields.map(Number);
  // user nice system idle iowait irq softirq steal
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + (b || 0), 0);
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}

export type InfraName = 'postgres' | 'redis' | 'nats';

/**
 * Which processes a CPU figure covers. Fixed pids (the stack's apps), plus the shared
 * infrastructure found by name (`only` some of it): redis-server, nats-server, and
 * PostgreSQL's postmaster, its background processes and those backends connected to
 * `pgDatabase` only (other databases on the same server belong to other people's runs).
 */
export interface CpuScope {
  pids: Record<string, number[]>;
  infra?: { pgDatabase?: string; only?: InfraName[] };
}

function infraPids(pgDatabase: string | undefined, only: InfraName[]): Partial<Record<InfraName, number[]>> {
  const out: Partial<Record<InfraName, number[]>> = Object.fromEntries(only.map((name) => [name, []]));
  for (const pid of procPids()) {
    const comm = read(`/proc/${pid}/comm`).trim();
    if (comm === 'redis-server') out.redis?.push(pid);
    else if (comm === 'nats-server') out.nats?.push(pid);
    else if (comm === 'postgres' && out.postgres) {
      const cmd = read(`/proc/${pid}/cmdline`).replace(/\0/g, ' ').trim();
      // Backends read "postgres: <cluster>: <user> <database> <host>(<port>) <state>".
      const backend =
        /^postgres: [^:]+: (\S+) (\S+) \S*\(\d+\)/.exec(cmd) ?? /^postgres: [^:]+: (\S+) (\S+) \[local\]/.exec(cmd);
      if (!backend || (pgDatabase !== undefined && backend[2] === pgDatabase)) out.postgres.push(pid);
    }
  }
  return out;
}

export type CpuSample = Record<string, Map<number, { cpu: number; runs: number }>>;

export function sampleCpu(scope: CpuScope): CpuSample {
  const infra = scope.infra ? infraPids(scope.infra.pgDatabase, scope.infra.only ?? ['postgres', 'redis', 'nats']) : {};
  const sample: CpuSample = {};
  for (const [name, pids] of Object.entries({ ...scope.pids, ...infra })) {
    const m = new Map<number, { cpu: number; runs: number }>();
    for (const pid of pids ?? []) {
      const s = schedOf(pid);
      if (s !== undefined) m.set(pid, s);
    }
    sample[name] = m;
  }
  return sample;
}

function delta(before: CpuSample, after: CpuSample, field: 'cpu' | 'runs'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, now] of Object.entries(after)) {
    const was = before[name] ?? new Map<number, { cpu: number; runs: number }>();
    let sum = 0;
    for (const [pid, s] of now) sum += s[field] - (was.get(pid)?.[field] ?? 0);
    out[name] = field === 'cpu' ? Math.round(sum * 1e6) / 1e6 : sum;
  }
  return out;
}

/** CPU seconds (to the microsecond) per group between two samples; a process that appeared in between counts from zero. */
export function cpuDelta(before: CpuSample, after: CpuSample): Record<string, number> {
  return delta(before, after, 'cpu');
}

/**
 * Times each group's threads were put on a CPU between two samples. On this kind of
 * virtual machine every switch into another process costs ~200 µs of CPU whatever the
 * work (docs/benchmarks.md), so CPU per message follows these counts.
 */
export function runsDelta(before: CpuSample, after: CpuSample): Record<string, number> {
  return delta(before, after, 'runs');
}
