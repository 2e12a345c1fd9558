import type { BenchResults } from '../../results';
import { fmt } from '../format';

/** When, on what machine, what one hop costs there, and the load around each phase. */
export function runSection(results: BenchResults): string[] {
  const mc = results.machine;
  const load = results.loadAvg.map((l) => `${l.phase} ${l.load1}/${l.load5}/${l.load15}`).join('; ');
  const out: string[] = [];
  out.push(`Run: ${results.startedAt} -> ${results.finishedAt ?? '?'} (scale \`${results.scale}\`).`);
  out.push('');
  out.push(
    `Machine: ${mc.cpu}, ${mc.cores} cores, ${mc.memoryGiB} GiB RAM, Linux ${mc.kernel}, Node ${mc.node}, ${mc.postgres}, Redis ${mc.redis}, ${mc.nats}; open files per process: ${mc.fdLimit}. Everything (PostgreSQL, Redis, NATS, the five apps, the load generator) on this one machine.`,
  );
  out.push('');
  if (mc.switchCost) {
    const c = mc.switchCost;
    out.push(
      `What one hop costs here: a ring of ${c.processes} Node processes (each holding ~20 MB of objects, like a service) passing 100 bytes over loopback TCP spends ${fmt(c.usPerHopHot)} µs of CPU per process per message back to back, and ${fmt(c.usPerHopPaced)} µs when the messages come ${c.pacedGapMs} ms apart and every process sleeps in between (latency ${fmt(c.latencyUsPerHopHot)} vs ${fmt(c.latencyUsPerHopPaced)} µs per hop). Every process a message passes through pays about this much before any work of its own; the "switches per message" columns below count those passes.`,
    );
    out.push('');
  }
  out.push(`Load average (1/5/15 min) at each phase: ${load}.`);
  out.push('');
  return out;
}
