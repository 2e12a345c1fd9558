import type { BenchConfig } from '../../bench-config';
import type { BenchResults } from '../../results';
import { fmt } from '../format';
import { processCores, scaleOutFigures, usPerMessage, type ScaleConfig } from '../scale-out-figures';
import { stepTable } from '../tables';

/** Phase scaleout: two gateways and two message-stores beside one of each, at each one's max rate. */
export function scaleOutSection(results: BenchResults, config: BenchConfig): string[] {
  const s = results.scaleOut;
  if (!s) return [];
  const { one, two, ratio } = scaleOutFigures(results);
  const configs = [one, two];
  const row = (label: string, cell: (c: ScaleConfig) => string) =>
    `| ${label} | ${configs.map((c) => (c ? cell(c) : 'n/a')).join(' | ')} |`;
  // The i-th gateway (or store) of each configuration: "-" where it has fewer.
  const perProcess = (kind: 'gateways' | 'stores', i: number) => (c: ScaleConfig) => {
    const name = c[kind][i];
    return name
      ? `${name}: ${fmt(processCores(c.max, name), 2)} cores, ${fmt(usPerMessage(c.max, [name]), 1)} µs/msg`
      : '-';
  };
  const out: string[] = [];
  out.push(`### Scale-out: ${s.gateways.length} gateways and ${s.stores.length} message-stores vs one of each`);
  out.push('');
  out.push(
    `The 1:1 ramp above (${fmt(config.pairUsers)} fresh users, the same steps and SLO) again on a stack of ${s.gateways.length} gateways and ${s.stores.length} message-store replicas, started after the main stack stopped, on the same machine and database. The load generator puts users on the gateways round-robin and each pair's members are consecutive users, so every pair has one member on each gateway: each message crosses from one gateway to the other. "At the same CPU" is delivered messages per second of server CPU (1e6 / CPU µs per message, every server process incl. PostgreSQL, NATS and Redis) at each configuration's max rate.`,
  );
  out.push('');
  out.push(`| | 1 gateway + 1 message-store | ${s.gateways.length} gateways + ${s.stores.length} message-stores |`);
  out.push('|---|---:|---:|');
  out.push(row(`max msg/s at e2e p99 <= ${config.sloP99Ms} ms`, (c) => fmt(c.max.deliveredMsgsPerSec)));
  out.push(row('e2e p99 at max', (c) => `${fmt(c.max.e2e.p99Ms, 1)} ms`));
  out.push(row('CPU µs/msg at max (all servers)', (c) => fmt(c.max.cpuUsPerMessage)));
  out.push(row('delivered msg per server CPU-second', (c) => fmt(c.msgsPerCpuSecond)));
  out.push(row('cores used at max (servers)', (c) => fmt(c.cores, 2)));
  for (let i = 0; i < s.gateways.length; i++) out.push(row(`gateway ${i + 1} CPU`, perProcess('gateways', i)));
  for (let i = 0; i < s.stores.length; i++) out.push(row(`message-store ${i + 1} CPU`, perProcess('stores', i)));
  out.push('');
  out.push(
    `2+2 over 1+1, messages per CPU-second: ${ratio === undefined ? 'n/a (a ramp is missing)' : `**${fmt(ratio, 2)}x**`} (target >= 0.9x).`,
  );
  const t = s.run.totals;
  out.push('');
  out.push(
    `Zero-loss check of the scale-out ramp: ${fmt(t.acked)} acked, ${fmt(t.lostDeliveries)} lost deliveries, ${t.lostInStore === null ? 'PostgreSQL not checked' : `${fmt(t.lostInStore)} of ${fmt(t.storeChecked)} checked missing in PostgreSQL`}.`,
  );
  out.push('');
  out.push('Scale-out steps:');
  out.push('');
  out.push(stepTable(s.run.steps, true));
  out.push('');
  return out;
}
