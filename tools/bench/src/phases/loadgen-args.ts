import type { BenchConfig } from '../bench-config';
import { log } from '../log';

/** The load generator's ramp, as the settings say: from where, how fast up, the SLO, the half-rate hold. */
export function rampArgs(c: BenchConfig): string[] {
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

/** Logs the load generator's progress (connected, each step, waits and re-runs on a busy machine) under a label. */
export const logProgress = (label: string) => (e: Record<string, unknown>) => {
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
