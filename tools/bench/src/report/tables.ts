import type { Step } from '../results';
import { fmt } from './format';

/** One row per step of a run: offered and delivered rate, latency, CPU, how busy the machine was, the SLO verdict. */
export function stepTable(steps: Step[], server: boolean): string {
  const head = `| phase | offered msg/s | delivered msg/s | ack p50 ms | ack p99 ms | e2e p50 ms | e2e p99 ms | e2e p99.9 ms | CPU µs/msg${server ? ' (servers)' : ''} | machine busy / others' cores | SLO |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|`;
  const rows = steps.map(
    (s) =>
      `| ${s.phase} | ${fmt(s.offeredRate)} | ${fmt(s.deliveredMsgsPerSec)} | ${fmt(s.ack.p50Ms, 1)} | ${fmt(s.ack.p99Ms, 1)} | ${fmt(s.e2e.p50Ms, 1)} | ${fmt(s.e2e.p99Ms, 1)} | ${fmt(s.e2e.p999Ms, 1)} | ${fmt(s.cpuUsPerMessage)} | ${fmt(s.machineBusyCores, 2)} / ${fmt(s.otherCores, 2)} | ${s.meetsSlo ? 'ok' : `${s.why ?? 'missed'}${s.disturbed ? ' (others busy: run again)' : ''}`} |`,
  );
  return [head, ...rows].join('\n');
}

/** CPU by process of one step (busiest first), and per message of another step beside it. */
export function cpuTable(step: Step | undefined, other?: Step): string {
  if (!step) return '';
  const entries = Object.entries(step.cpuSeconds).sort((a, b) => b[1] - a[1]);
  const per = (st: Step, s: number | undefined) => (s === undefined ? 'n/a' : fmt((s * 1e6) / Math.max(1, st.acked)));
  const runs = (st: Step, name: string) => st.schedules?.[name];
  const perRun = (st: Step, name: string) => {
    const n = runs(st, name);
    return n ? fmt((st.cpuSeconds[name] * 1e6) / n) : 'n/a';
  };
  const runsPer = (st: Step, name: string) => {
    const n = runs(st, name);
    return n === undefined ? 'n/a' : fmt(n / Math.max(1, st.acked), 2);
  };
  return [
    `| process | CPU s | µs per message | on-CPU switches per message | µs per switch${other ? ` | µs per message at ${fmt(other.offeredRate)} msg/s | switches per message there` : ''} |`,
    `|---|---:|---:|---:|---:|${other ? '---:|---:|' : ''}`,
    ...entries.map(
      ([name, s]) =>
        `| ${name}${name === 'loadgen' ? ' (client, not counted)' : ''} | ${fmt(s, 2)} | ${per(step, s)} | ${runsPer(step, name)} | ${perRun(step, name)}${other ? ` | ${per(other, other.cpuSeconds[name])} | ${runsPer(other, name)}` : ''} |`,
    ),
  ].join('\n');
}
