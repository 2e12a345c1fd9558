import { loadavg } from 'node:os';
import type { StepResult } from '@parley/tools/load-report';
import { Histogram } from './histogram';
import type { StepStats } from './protocol';
import { wireDelta, type WireSample } from './wire-bytes';

/** The load generator's own processes in the CPU scope: the client, not part of the measured system. */
export const LOADGEN = 'loadgen';

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** What the coordinator measured around one step, beside the workers' counts. */
export interface StepMeasures {
  step: number;
  phase: StepResult['phase'];
  rate: number;
  durationS: number;
  cpu: Record<string, number>;
  runs: Record<string, number>;
  sloP99Ms: number;
  machine: { machineBusyCores: number; otherCores: number };
  wire?: { before: WireSample; after: WireSample };
}

/** The workers' counts of one step, summed, with their latency histograms merged. */
function sumStats(stats: StepStats[]) {
  const ack = new Histogram();
  const e2e = new Histogram();
  const errors: Record<string, number> = {};
  const sum = (f: (s: StepStats) => number) => stats.reduce((n, s) => n + f(s), 0);
  for (const s of stats) {
    ack.merge(s.ack);
    e2e.merge(s.e2e);
    for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
  }
  return {
    ack,
    e2e,
    errors,
    acked: sum((s) => s.acked),
    expected: sum((s) => s.expectedDeliveries),
    deliveries: sum((s) => s.deliveries),
    sent: sum((s) => s.sent),
    timeouts: sum((s) => s.timeouts),
    duplicates: sum((s) => s.duplicates),
  };
}

/** Why a step missed the SLO (errors, timeouts, missing deliveries, a saturated sender, latency), or undefined. */
function whyMissed(
  counts: ReturnType<typeof sumStats>,
  stats: StepStats[],
  m: StepMeasures,
  e2eP99Ms: number,
): string | undefined {
  const errorCount = Object.values(counts.errors).reduce((a, b) => a + b, 0);
  if (errorCount > 0) return `${errorCount} error acks`;
  if (counts.timeouts > 0) return `${counts.timeouts} ack timeouts`;
  if (!stats.every((s) => s.drained)) return 'deliveries still missing at the drain timeout';
  if (counts.sent < 0.98 * m.rate * m.durationS)
    return `only ${counts.sent} of ${Math.round(m.rate * m.durationS)} offered messages were sent (load generator saturated)`;
  if (e2eP99Ms > m.sloP99Ms) return `e2e p99 ${e2eP99Ms} ms > ${m.sloP99Ms} ms`;
  return undefined;
}

/** One step's result from every worker's stats and what the coordinator measured around it. */
export function mergeStep(stats: StepStats[], m: StepMeasures): StepResult {
  const c = sumStats(stats);
  const { acked, expected, deliveries } = c;
  const serverCpu = Object.entries(m.cpu).reduce((n, [name, s]) => (name === LOADGEN ? n : n + s), 0);
  const deliveredMsgsPerSec = expected > 0 ? (acked * Math.min(1, deliveries / expected)) / m.durationS : 0;
  const e2eSummary = c.e2e.summary();
  const why = whyMissed(c, stats, m, e2eSummary.p99Ms);
  return {
    step: m.step,
    phase: m.phase,
    offeredRate: m.rate,
    durationS: m.durationS,
    sent: c.sent,
    acked,
    errors: c.errors,
    timeouts: c.timeouts,
    expectedDeliveries: expected,
    deliveries,
    duplicates: c.duplicates,
    ackedPerSec: round(acked / m.durationS),
    deliveredMsgsPerSec: round(deliveredMsgsPerSec),
    deliveriesPerSec: round(deliveries / m.durationS),
    ack: c.ack.summary(),
    e2e: e2eSummary,
    maxSendLagMs: round(Math.max(...stats.map((s) => s.maxSendLagMs))),
    drained: stats.every((s) => s.drained),
    drainMs: Math.max(...stats.map((s) => s.drainMs)),
    cpuSeconds: m.cpu,
    schedules: m.runs,
    cpuUsPerMessage: acked > 0 ? round((serverCpu * 1e6) / acked) : 0,
    ...m.machine,
    loadAvg1m: round(loadavg()[0], 2),
    meetsSlo: why === undefined,
    why,
    wire: m.wire ? wireDelta(m.wire.before, m.wire.after, acked) : undefined,
  };
}
