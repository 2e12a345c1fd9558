import { basename } from 'node:path';
import type { BenchConfig } from '../../bench-config';
import type { BenchResults } from '../../results';
import { fmt } from '../format';
import { cpuTable, stepTable } from '../tables';

/** Parley's 1:1 ramp against the bare relay's: the chart, the ceilings, then each ramp's steps. */
export function sideBySideSection(results: BenchResults, config: BenchConfig, chartFile: string): string[] {
  const out: string[] = [];
  out.push(`### Side by side: 1:1 messages, Parley vs a bare Socket.IO relay`);
  out.push('');
  out.push(
    `${fmt(config.pairUsers)} users in ${fmt(config.pairUsers / 2)} direct chats, every user sending, ${config.bodyBytes}-byte bodies, ${config.stepSeconds} s per step; the ramp multiplies the offered rate by ${config.rampFactor} until two steps miss the SLO (e2e p99 <= ${config.sloP99Ms} ms, no errors, nothing missing), then refines between the last pass and the first miss. Latency is measured from the moment a message was due (open loop), so a saturated sender shows up as latency.`,
  );
  out.push('');
  out.push(`![latency against offered load](${basename(chartFile)})`);
  out.push('');
  out.push(
    '| | max msg/s at p99 <= 100 ms | ack p50 / p99 at half max | e2e p50 / p99 at half max | CPU µs/msg at half max |',
  );
  out.push('|---|---:|---:|---:|---:|');
  for (const [name, run] of [
    ['Parley (durable)', results.parley],
    ['bare relay (no persistence)', results.relay],
  ] as const) {
    out.push(
      `| ${name} | ${fmt(run?.max?.deliveredMsgsPerSec)} | ${fmt(run?.half?.ack.p50Ms, 1)} / ${fmt(run?.half?.ack.p99Ms, 1)} ms | ${fmt(run?.half?.e2e.p50Ms, 1)} / ${fmt(run?.half?.e2e.p99Ms, 1)} ms | ${fmt(run?.half?.cpuUsPerMessage)} |`,
    );
  }
  out.push('');
  out.push(...rampSteps(results));
  return out;
}

/** Parley's steps with its CPU by process, then the bare relay's steps. */
function rampSteps(results: BenchResults): string[] {
  const out: string[] = [];
  if (results.parley) {
    out.push('Parley steps:');
    out.push('');
    out.push(stepTable(results.parley.steps, true));
    out.push('');
    out.push(`CPU by process at the max rate (${fmt(results.parley.max?.offeredRate)} msg/s) and at half of it:`);
    out.push('');
    out.push(cpuTable(results.parley.max, results.parley.half));
    out.push('');
  }
  if (results.relay) {
    out.push('Bare relay steps:');
    out.push('');
    out.push(stepTable(results.relay.steps, true));
    out.push('');
  }
  return out;
}
