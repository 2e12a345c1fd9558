import type { BenchResults, RunSummary } from '../results';
import { fmt, kb, ratio } from './format';
import { scaleOutFigures, type ScaleConfig } from './scale-out-figures';

/** One target of the Targets table, judged from the run's figures (met undefined: not run). */
export interface TargetRow {
  target: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}

/** Every target, in the order of the Targets table. */
export function targets(results: BenchResults): TargetRow[] {
  return [
    throughputTarget(results),
    cpuTarget(results),
    ...storeTargets(results),
    ...latencyTargets(results),
    idleHeapTarget(results),
    crowdTarget(results),
    groupTarget(results),
    scaleOutTarget(results),
    zeroLossTarget(results),
  ];
}

function throughputTarget(results: BenchResults): TargetRow {
  const pMax = results.parley?.max?.deliveredMsgsPerSec;
  const rMax = results.relay?.max?.deliveredMsgsPerSec;
  const x = ratio(pMax, rMax);
  return {
    target: 'Durable 1:1 messages/s delivered at e2e p99 <= 100 ms',
    goal: '>= 10,000 and >= 0.6x the bare relay in the same run',
    measured: `${fmt(pMax)} vs relay ${fmt(rMax)} = ${fmt(x, 2)}x`,
    met: x === undefined || pMax === undefined ? undefined : pMax >= 10_000 && x >= 0.6,
  };
}

/** Judged where a box is used for capacity, at the max rate; at half of it per-wakeup costs weigh more. */
function cpuTarget(results: BenchResults): TargetRow {
  const p = results.parley;
  const cpu = p?.max?.cpuUsPerMessage;
  return {
    target: 'CPU per message, all server processes incl. PostgreSQL, NATS, Redis (at the max rate)',
    goal: '<= 150 µs',
    measured: `${fmt(cpu)} µs at ${fmt(p?.max?.offeredRate)} msg/s (at half of it: ${fmt(p?.half?.cpuUsPerMessage)} µs)`,
    met: cpu === undefined ? undefined : cpu <= 150,
  };
}

/** The best rows/s of one raw ingest mode over its connection counts. */
function bestIngest(results: BenchResults, mode: string): number | undefined {
  const rows = (results.ingest ?? []).filter((r) => r.mode === mode);
  return rows.length ? Math.max(...rows.map((r) => r.rowsPerSec)) : undefined;
}

function storeTargets(results: BenchResults): TargetRow[] {
  const store = results.store?.rowsPerSec;
  const u100 = bestIngest(results, 'unnest batch 100');
  const single = bestIngest(results, 'single-row autocommit');
  return [
    {
      target: 'message-store persisted rows/s vs raw UNNEST batch-of-100 ingest',
      goal: '>= 0.5x',
      measured: `${fmt(store)} vs ${fmt(u100)} = ${fmt(ratio(store, u100), 2)}x`,
      met: store && u100 ? store / u100 >= 0.5 : undefined,
    },
    {
      target: 'message-store persisted rows/s vs single-row autocommit',
      goal: '>= 10x',
      measured: `${fmt(store)} vs ${fmt(single)} = ${fmt(ratio(store, single), 1)}x`,
      met: store && single ? store / single >= 10 : undefined,
    },
  ];
}

function latencyTargets(results: BenchResults): TargetRow[] {
  const h = results.parley?.half;
  const lat = (label: string, v: number | undefined, max: number): TargetRow => ({
    target: `${label} at half the max rate (${fmt(h?.offeredRate)} msg/s)`,
    goal: `<= ${max} ms`,
    measured: `${fmt(v, 1)} ms`,
    met: v === undefined ? undefined : v <= max,
  });
  return [
    lat('Ack p50', h?.ack.p50Ms, 5),
    lat('Ack p99', h?.ack.p99Ms, 25),
    lat('End-to-end p50', h?.e2e.p50Ms, 10),
    lat('End-to-end p99', h?.e2e.p99Ms, 50),
  ];
}

function idleHeapTarget(results: BenchResults): TargetRow {
  const pi = results.parleyIdle;
  const ri = results.relayIdle;
  const memX = ratio(pi?.heapPerSocketBytes, ri?.heapPerSocketBytes);
  return {
    target: 'Heap per authenticated idle socket',
    goal: '<= 1.1x bare Socket.IO',
    measured: `${kb(pi?.heapPerSocketBytes)} vs bare ${kb(ri?.heapPerSocketBytes)} = ${fmt(memX, 2)}x`,
    met: pi && ri ? pi.heapPerSocketBytes <= 1.1 * ri.heapPerSocketBytes : undefined,
  };
}

function crowdTarget(results: BenchResults): TargetRow {
  const c = results.crowd;
  const cs = c?.steps[c.steps.length - 1];
  return {
    target: `One gateway holds 20,000 users, each sending every ${c?.intervalS ?? 10} s`,
    goal: '20,000 connected, e2e p99 <= 100 ms',
    measured: c
      ? `${fmt(c.connected)} connected, ${fmt(cs?.deliveredMsgsPerSec)} of ${fmt(cs?.offeredRate)} msg/s delivered, e2e p99 ${fmt(cs?.e2e.p99Ms, 1)} ms${cs && cs.otherCores > 0.3 ? ` (others used ${fmt(cs.otherCores, 2)} cores)` : ''}`
      : 'n/a',
    met: c && cs ? c.connected >= 20_000 && cs.e2e.p99Ms <= 100 && cs.meetsSlo : undefined,
  };
}

function groupTarget(results: BenchResults): TargetRow {
  const g = results.group;
  const gs = g?.steps[g.steps.length - 1];
  return {
    target: `A group of ${g?.users ?? 1024} receiving 10 messages/s: every online member gets each`,
    goal: 'e2e p99 <= 250 ms (1,024 members, 10 msg/s)',
    measured: g
      ? `${fmt(gs?.deliveries)} deliveries at ${fmt(gs?.offeredRate)} msg/s, e2e p99 ${fmt(gs?.e2e.p99Ms, 1)} ms`
      : 'n/a',
    met:
      g && gs
        ? g.users >= 1024 && gs.offeredRate >= 10 && gs.e2e.p99Ms <= 250 && gs.deliveries === gs.expectedDeliveries
        : undefined,
  };
}

/** Phase scaleout against phase parley: delivered messages per server CPU-second at each one's max rate. */
function scaleOutTarget(results: BenchResults): TargetRow {
  const { one, two, ratio: x, sameRate } = scaleOutFigures(results);
  const perCpu = (c: ScaleConfig) =>
    `${fmt(c.msgsPerCpuSecond)} msg per CPU-s (${fmt(c.max.deliveredMsgsPerSec)} msg/s at ${fmt(c.max.cpuUsPerMessage)} µs/msg)`;
  const missing = [!one && 'parley', !two && 'scaleout'].filter(Boolean).join(' and ');
  return {
    target: 'Two gateways and two message-stores on this box vs one of each, at the same CPU',
    goal: '>= 0.9x the delivered rate',
    measured:
      one && two
        ? `2+2: ${perCpu(two)} vs 1+1: ${perCpu(one)} = ${fmt(x, 2)}x` +
          (sameRate
            ? `; at one rate (${fmt(sameRate.rate)} msg/s): ${fmt(sameRate.two.cpuUsPerMessage)} vs ${fmt(sameRate.one.cpuUsPerMessage)} µs/msg = ${fmt(sameRate.ratio, 2)}x`
            : '')
        : `n/a (phase ${missing} not run)`,
    met: x === undefined ? undefined : x >= 0.9,
  };
}

function zeroLossTarget(results: BenchResults): TargetRow {
  const runs = [
    results.relay,
    results.parley,
    results.group,
    results.crowd,
    results.scaleOut?.run,
    results.scaleOut?.sameGateway,
  ].filter((x): x is RunSummary => !!x);
  return {
    target: 'Zero loss: every acked message reached every recipient and (Parley) is in PostgreSQL',
    goal: '0 lost',
    measured: runs.map((x) => `${fmt(x.totals.lost)} lost / ${fmt(x.totals.acked)} acked`).join('; ') || 'n/a',
    met: runs.length ? runs.every((x) => x.zeroLoss) : undefined,
  };
}
