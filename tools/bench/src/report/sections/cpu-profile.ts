import { dirname, join, relative } from 'node:path';
import type { BenchConfig } from '../../bench-config';
import { CATEGORY_LABELS } from '../../flamegraph/profile';
import type { BenchResults } from '../../results';
import { fmt } from '../format';

/** The processes the apps' CPU table names by their program, as a reader knows them. */
const PROCESS_NAMES: Record<string, string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  nats: 'NATS',
  loadgen: 'load generator (client)',
};

/** BENCH_CPU_PROF: the profiled step at the 1:1 maximum rate, and each graphed app's flame graph and hottest functions. */
export function cpuProfileSection(results: BenchResults, config: BenchConfig): string[] {
  const p = results.maxRateProfile;
  if (!p) return [];
  const s = p.step;
  const cores = Object.entries(s.cpuSeconds)
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => `${PROCESS_NAMES[name] ?? name} ${fmt(seconds / s.durationS, 2)}`);
  const out: string[] = [];
  out.push('### Where the CPU goes at the maximum rate');
  out.push('');
  out.push(
    `One more step of the 1:1 load after the ramp, at its maximum: ${fmt(s.offeredRate)} msg/s offered for ${fmt(s.durationS)} s (${fmt(s.deliveredMsgsPerSec)} delivered, e2e p99 ${fmt(s.e2e.p99Ms, 1)} ms), with V8's sampling profiler on in every app (a sample every 0.5 ms; the profiler costs CPU itself, so this step's figures are not the ramp's). Cores each process used in that step (CPU seconds per second of sending), busiest first: ${cores.join(', ')}. PostgreSQL, Redis and NATS cannot be profiled this way: the flame graphs are of the ${p.graphs.length} busiest apps (hover a frame for its function, file and share of the samples). They sample the JavaScript thread only; a process's cores also count V8's GC and compiler threads, libuv's pool and the profiler itself.`,
  );
  out.push('');
  for (const g of p.graphs) {
    const link = relative(dirname(config.out), join(config.flamegraphDir, `${g.name}.svg`));
    out.push(
      `**${g.name}**: ${fmt(g.cores, 2)} cores; [flame graph](${link}) of ${fmt(g.samples)} samples over ${fmt(g.durationS, 1)} s, ${fmt(g.idleShare * 100, 1)}% of them idle (left out). The functions with the most samples of their own, as a share of the busy samples:`,
    );
    out.push('');
    out.push('| function | where | kind | self |');
    out.push('|---|---|---|---:|');
    for (const t of g.topSelf)
      out.push(
        `| \`${t.function.replace(/\|/g, '\\|')}\` | ${t.where ?? ''} | ${CATEGORY_LABELS[t.category]} | ${fmt(t.share * 100, 1)}% |`,
      );
    out.push('');
  }
  return out;
}
