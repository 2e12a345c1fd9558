import type { BenchConfig } from '../../bench-config';
import type { BenchResults, RunSummary, Step } from '../../results';
import { fmt } from '../format';
import { processCores, scaleOutFigures, usPerMessage, type SameRate, type ScaleConfig } from '../scale-out-figures';
import { stepTable } from '../tables';

/** Phase scaleout: two gateways and two message-stores beside one of each, at each one's max rate. */
export function scaleOutSection(results: BenchResults, config: BenchConfig): string[] {
  const s = results.scaleOut;
  if (!s) return [];
  const { one, two, ratio, sameGateway, sameGatewayRatio, sameRate } = scaleOutFigures(results);
  // A third column only for runs that made the same-gateway ramp: older results render as they did.
  const configs = s.sameGateway ? [one, two, sameGateway] : [one, two];
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
  if (s.sameGateway) {
    out.push(
      `The third column is the same ramp on the same stack (fresh users again) with both members of each chat on one gateway, chats round-robin over the gateways (the load generator's \`--placement chat\`). Straddled, every message crosses from one gateway to the other: the worst case, and the figure the target is judged by. On one gateway, as a load balancer sticky by chat would place them, no message crosses: the best case. A random load balancer lands between (with two gateways, half the pairs straddle).`,
    );
    out.push('');
  }
  const twoLabel = `${s.gateways.length} gateways + ${s.stores.length} message-stores`;
  const sameLabel = `${s.gateways.length}+${s.stores.length}, each chat on one gateway`;
  const labels = ['1 gateway + 1 message-store', twoLabel, ...(s.sameGateway ? [sameLabel] : [])];
  out.push(`| | ${labels.join(' | ')} |`);
  out.push(`|---|${labels.map(() => '---:').join('|')}|`);
  out.push(row(`max msg/s at e2e p99 <= ${config.sloP99Ms} ms`, (c) => fmt(c.max.deliveredMsgsPerSec)));
  out.push(row('e2e p99 at max', (c) => `${fmt(c.max.e2e.p99Ms, 1)} ms`));
  out.push(row('CPU µs/msg at max (all servers)', (c) => fmt(c.max.cpuUsPerMessage)));
  out.push(row('delivered msg per server CPU-second', (c) => fmt(c.msgsPerCpuSecond)));
  out.push(row('cores used at max (servers)', (c) => fmt(c.cores, 2)));
  for (let i = 0; i < s.gateways.length; i++) out.push(row(`gateway ${i + 1} CPU`, perProcess('gateways', i)));
  for (let i = 0; i < s.stores.length; i++) out.push(row(`message-store ${i + 1} CPU`, perProcess('stores', i)));
  out.push('');
  const beside = s.sameGateway ? `; each chat on one gateway: ${ratioText(sameGatewayRatio)}` : '';
  out.push(`2+2 over 1+1, messages per CPU-second: ${ratioText(ratio)} (target >= 0.9x)${beside}.`);
  if (sameRate) out.push('', sameRateLine(sameRate));
  out.push('');
  out.push(zeroLossLine('the scale-out ramp', s.run));
  if (s.sameGateway) {
    out.push('');
    out.push(zeroLossLine('the same-gateway ramp', s.sameGateway));
  }
  out.push('');
  out.push('Scale-out steps:');
  out.push('');
  out.push(stepTable(s.run.steps, true));
  out.push('');
  if (s.sameGateway) {
    out.push('Scale-out steps, each chat on one gateway:');
    out.push('');
    out.push(stepTable(s.sameGateway.steps, true));
    out.push('');
  }
  return out;
}

const ratioText = (ratio: number | undefined): string =>
  ratio === undefined ? 'n/a (a ramp is missing)' : `**${fmt(ratio, 2)}x**`;

function zeroLossLine(ramp: string, run: RunSummary): string {
  const t = run.totals;
  return `Zero-loss check of ${ramp}: ${fmt(t.acked)} acked, ${fmt(t.lostDeliveries)} lost deliveries, ${t.lostInStore === null ? 'PostgreSQL not checked' : `${fmt(t.lostInStore)} of ${fmt(t.storeChecked)} checked missing in PostgreSQL`}.`;
}

/** Each max batches differently (CPU per message falls as the rate rises): the configurations at one rate too. */
function sameRateLine(r: SameRate): string {
  const cpu = [r.one, r.two, r.sameGateway].filter((x): x is Step => !!x).map((x) => fmt(x.cpuUsPerMessage));
  const p99 = [r.one, r.two, r.sameGateway].filter((x): x is Step => !!x).map((x) => `${fmt(x.e2e.p99Ms, 1)} ms`);
  const same = r.sameGatewayRatio === undefined ? '' : `; each chat on one gateway **${fmt(r.sameGatewayRatio, 2)}x**`;
  const names = r.sameGateway ? '1+1 / 2+2 / 2+2 each chat on one gateway' : '1+1 / 2+2';
  return `At one offered rate, ${fmt(r.rate)} msg/s (the highest ramp step every configuration ran, passing or not): CPU µs per message ${names}: ${cpu.join(' / ')}, so 2+2 delivers **${fmt(r.ratio, 2)}x** per CPU-second${same}; e2e p99 there: ${p99.join(' / ')}.`;
}
