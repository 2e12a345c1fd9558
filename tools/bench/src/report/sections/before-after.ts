import type { BenchResults, BeforeAfterRun } from '../../results';
import { fmt, ratio } from '../format';

/** BENCH_BASELINE's comparison: each ramp's ceiling, latency and CPU, and this checkout's ceiling over the baseline's. */
export function beforeAfterSection(results: BenchResults): string[] {
  const ba = results.beforeAfter;
  if (!ba) return [];
  const out: string[] = [];
  out.push('### Before and after: the 1:1 ceiling of an earlier commit and of this checkout, in one run');
  out.push('');
  out.push(
    `Baseline \`${ba.baseline.ref}\` = ${ba.baseline.title}; this checkout: ${ba.current.title}${ba.current.uncommitted ? ' (with uncommitted changes)' : ''}. The same 1:1 ramp on a fresh stack and database each, baseline first, in turn.`,
  );
  out.push('');
  out.push(
    '| round | apps | max msg/s at p99 <= SLO | e2e p50 / p99 at max | CPU µs/msg at max | e2e p99 at half max | lost |',
  );
  out.push('|---:|---|---:|---:|---:|---:|---:|');
  for (const run of ba.runs) out.push(runRow(run));
  const best = (side: BeforeAfterRun['side']) =>
    Math.max(0, ...ba.runs.filter((r) => r.side === side).map((r) => r.summary.max?.deliveredMsgsPerSec ?? 0));
  const r = ratio(best('current'), best('baseline'));
  out.push('');
  out.push(`This checkout's best ceiling over the baseline's: **${fmt(r, 2)}x**.`);
  out.push('');
  return out;
}

function runRow({ side, round, summary }: BeforeAfterRun): string {
  const max = summary.max;
  const lost = summary.totals?.lost;
  return `| ${round} | ${side} | ${fmt(max?.deliveredMsgsPerSec)} | ${fmt(max?.e2e.p50Ms, 1)} / ${fmt(max?.e2e.p99Ms, 1)} ms | ${fmt(max?.cpuUsPerMessage)} | ${fmt(summary.half?.e2e.p99Ms, 1)} ms | ${fmt(lost)} |`;
}
