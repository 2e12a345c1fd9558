import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds of processes, summed over their threads from /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds on CPU), for the phases the load generator does not drive (it reads them
 * the same way, tools/loadgen/src/proc-cpu.ts).
 */
export function cpuOf(pid: number): number {
  let ns = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // thread just exited
      }
    }
  } catch {
    // process gone
  }
  return ns / 1e9;
}

/** Backends of one database plus PostgreSQL's own background processes. */
function postgresPids(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const backend = /^postgres: [^:]+: (\S+) (\S+) /.exec(cmd);
      if (!backend || backend[2] === database || !/\(\d+\)|\[local\]/.test(cmd)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

export type CpuSnapshot = Map<string, Map<number, number>>;

export function snapshotCpu(pids: Record<string, number>, database: string): CpuSnapshot {
  const snap: CpuSnapshot = new Map();
  for (const [name, pid] of Object.entries(pids)) snap.set(name, new Map([[pid, cpuOf(pid)]]));
  snap.set('postgres', new Map(postgresPids(database).map((p) => [p, cpuOf(p)])));
  return snap;
}

export function cpuSince(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, now] of after) {
    let s = 0;
    for (const [pid, v] of now) s += v - (before.get(name)?.get(pid) ?? 0);
    out[name] = Math.round(s * 1e6) / 1e6;
  }
  return out;
}
