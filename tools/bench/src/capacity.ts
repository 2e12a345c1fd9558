import { processCores, usPerMessage } from './report/scale-out-figures';
import type { BenchResults, Step } from './results';

/**
 * Stated assumptions of the capacity model (docs/scaling.md). Everything else in the
 * model is a figure measured by the same bench run.
 */
export const ASSUMPTIONS = {
  messagesPerDay: 10e9,
  /** Busiest hour against the daily average (diurnal chat traffic). */
  peakToAverage: 3,
  /** Recipients per message: 90% 1:1 (1 recipient), 10% groups averaging 20 members (19). */
  recipientsPerMessage: 0.9 * 1 + 0.1 * 19,
  /** Share of recipients connected when a message arrives; the rest get a push. */
  onlineRecipientShare: 0.6,
  /** Sockets per user (devices connected at once). */
  socketsPerUser: 1,
  /** CPU planned per core: headroom for bursts, GC, failover. */
  utilization: 0.6,
  /** Sockets one gateway process is given (open-files limit raised; heap budget below). */
  socketsPerGateway: 100_000,
  /** Cores of a PostgreSQL / NATS host. */
  coresPerNode: 32,
  /** Days of messages kept in PostgreSQL. */
  retentionDays: 90,
  /** Push notifications one push-notifier replica sends per second (FCM-bound; not measured here). */
  pushesPerReplica: 2000,
  /** PRESENCE_SHARDS on a cluster (its default there): the hash slots presence spreads users over, so the Redis cores it can use at most. */
  presenceShards: 64,
} as const;

export interface Inputs {
  /** µs of CPU per 1:1 message at the measured maximum rate, by process. */
  perMessageUs: Record<string, number>;
  /** Gateway µs per extra delivery, from the group fan-out run. */
  gatewayPerDeliveryUs: number;
  /** µs per idle socket per second, by process. */
  idleUsPerSocketSecond: Record<string, number>;
  heapPerSocket: number;
  rssPerSocket: number;
  redisBytesPerSocket: number;
  bytesPerMessage: number;
  walBytesPerMessage: number;
  maxRate: number;
  step: Step;
  /** The scale-out run's figures: present, they size the gateways and message-stores instead of perMessageUs. */
  replicas?: ReplicaFigures;
}

type ScaledApp = 'chat-gateway' | 'message-store';

/** Gateways and message-stores at the scale-out run's max rate, several replicas of each sharing the load. */
export interface ReplicaFigures {
  /** Delivered msg/s there. */
  rate: number;
  /** µs of CPU per message of all the app's replicas together, and the cores each replica used, by process. */
  apps: Record<ScaledApp, { usPerMessage: number; replicaCores: Record<string, number> }>;
}

/** The measured inputs of the model, or the names of those this run lacks. */
function inputsOf(results: BenchResults): Inputs | string[] {
  const missing: string[] = [];
  const step = results.parley?.max;
  const group = results.group?.steps[0];
  const idle = results.parleyIdle;
  if (!step) missing.push('the 1:1 ramp');
  if (!group) missing.push('the group fan-out');
  if (!idle?.idleCpuUsPerSocketSecond) missing.push('the idle-socket run');
  if (!results.storage) missing.push('the storage footprint');
  if (!step || !group || !idle?.idleCpuUsPerSocketSecond || !results.storage) return missing;
  const perMessageUs: Record<string, number> = {};
  for (const [name, s] of Object.entries(step.cpuSeconds))
    if (name !== 'loadgen') perMessageUs[name] = (s * 1e6) / step.acked;
  return {
    perMessageUs,
    gatewayPerDeliveryUs: ((group.cpuSeconds['chat-gateway'] ?? 0) * 1e6) / Math.max(1, group.deliveries),
    idleUsPerSocketSecond: idle.idleCpuUsPerSocketSecond,
    heapPerSocket: Math.max(0, idle.heapPerSocketBytes),
    rssPerSocket: Math.max(0, idle.rssPerSocketBytes),
    redisBytesPerSocket: Math.max(0, idle.redisBytesPerSocket ?? 0),
    bytesPerMessage: results.storage.bytesPerMessage,
    walBytesPerMessage: results.storage.walBytesPerMessage,
    maxRate: step.deliveredMsgsPerSec,
    step,
    replicas: replicaFigures(results),
  };
}

function replicaFigures(results: BenchResults): ReplicaFigures | undefined {
  const s = results.scaleOut;
  const max = s?.run.max;
  if (!s || !max) return undefined;
  const app = (names: string[]) => ({
    usPerMessage: usPerMessage(max, names),
    replicaCores: Object.fromEntries(names.map((n) => [n, processCores(max, n)])),
  });
  return { rate: max.deliveredMsgsPerSec, apps: { 'chat-gateway': app(s.gateways), 'message-store': app(s.stores) } };
}

export interface Plan {
  users: number;
  peakMsgs: number;
  rows: { component: string; need: string; count: number; basis: string }[];
  /** Message rate at which one instance of each component that does not scale by adding replicas saturates. */
  ceilings: { component: string; msgsPerSec: number; basis: string }[];
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** What the model derives from the inputs and the assumptions for one user count, shared by every row. */
interface Demand {
  inputs: Inputs;
  /** Messages per second at the busiest hour. */
  peak: number;
  sockets: number;
  /** Deliveries per second to recipients online. */
  online: number;
  /** Gateway µs of a send, without its one delivery. */
  perSend: number;
  /** Cores that many µs of CPU per second need at the planned utilization. */
  cores: (usPerSec: number) => number;
  /** µs per message, and per idle socket-second, of a process. */
  us: (name: string) => number;
  idle: (name: string) => number;
}

const A = ASSUMPTIONS;

export function plan(inputs: Inputs, users: number): Plan {
  const d = demandOf(inputs, users);
  return {
    users,
    peakMsgs: d.peak,
    rows: [gatewayRow(d), storeRow(d), presenceRow(d), redisRow(d), natsRow(d), postgresRow(d), pushRow(d)],
    ceilings: ceilingsOf(d),
  };
}

function demandOf(inputs: Inputs, users: number): Demand {
  const peak = (A.messagesPerDay / 86_400) * A.peakToAverage;
  const us = (name: string) => inputs.replicas?.apps[name as ScaledApp]?.usPerMessage ?? inputs.perMessageUs[name] ?? 0;
  return {
    inputs,
    peak,
    sockets: users * A.socketsPerUser,
    online: peak * A.recipientsPerMessage * A.onlineRecipientShare,
    // The 1:1 figure holds one delivery: what is left of it is the send itself.
    perSend: Math.max(0, us('chat-gateway') - inputs.gatewayPerDeliveryUs),
    cores: (usPerSec: number) => usPerSec / (1e6 * A.utilization),
    us,
    idle: (name: string) => inputs.idleUsPerSocketSecond[name] ?? 0,
  };
}

type Row = Plan['rows'][number];

function gatewayRow({ inputs, peak, sockets, online, perSend, cores, idle }: Demand): Row {
  const gatewayCpu = peak * perSend + online * inputs.gatewayPerDeliveryUs + sockets * idle('chat-gateway');
  return {
    component: 'chat-gateway processes (1 core each)',
    need: `${fmt(cores(gatewayCpu), 1)} cores; ${fmt(sockets)} sockets`,
    count: Math.max(Math.ceil(sockets / A.socketsPerGateway), Math.ceil(cores(gatewayCpu))),
    basis: `max(sockets / ${fmt(A.socketsPerGateway)}, CPU): ${fmt(perSend, 1)} µs per send${scaledBy(inputs, 'chat-gateway')} + ${fmt(inputs.gatewayPerDeliveryUs, 1)} µs per online delivery + ${fmt(idle('chat-gateway'), 2)} µs per socket-second; heap ${fmt((A.socketsPerGateway * inputs.heapPerSocket) / 1e9, 2)} GB, RSS ${fmt((A.socketsPerGateway * inputs.rssPerSocket) / 1e9, 2)} GB per process`,
  };
}

function storeRow({ inputs, peak, cores, us }: Demand): Row {
  return {
    component: 'message-store replicas (1 core each)',
    need: `${fmt(cores(peak * us('message-store')), 1)} cores`,
    count: Math.ceil(cores(peak * us('message-store'))),
    basis: `${fmt(us('message-store'), 1)} µs per message${scaledBy(inputs, 'message-store')}`,
  };
}

/** Where an app's µs per message come from when the scale-out run sized it. */
function scaledBy(inputs: Inputs, app: ScaledApp): string {
  const n = Object.keys(inputs.replicas?.apps[app].replicaCores ?? {}).length;
  return n ? ` (${n} replicas in the scale-out run)` : '';
}

function presenceRow({ peak, sockets, cores, us, idle }: Demand): Row {
  const presenceCpu = peak * us('presence') + sockets * idle('presence');
  return {
    component: 'presence replicas (1 core each)',
    need: `${fmt(cores(presenceCpu), 1)} cores`,
    count: Math.ceil(cores(presenceCpu)),
    basis: `${fmt(us('presence'), 1)} µs per message + ${fmt(idle('presence'), 2)} µs per socket-second (heartbeats)`,
  };
}

function redisRow({ inputs, peak, sockets, cores, us, idle }: Demand): Row {
  const redisCpu = peak * us('redis') + sockets * idle('redis');
  return {
    component: 'Redis (single-threaded: 1 core per shard)',
    need: `${fmt(cores(redisCpu), 1)} cores; ${fmt((sockets * inputs.redisBytesPerSocket) / 1e9, 1)} GB`,
    count: Math.ceil(cores(redisCpu)),
    basis: `${fmt(us('redis'), 1)} µs per message + ${fmt(idle('redis'), 2)} µs per socket-second; ${fmt(inputs.redisBytesPerSocket)} B per socket`,
  };
}

function natsRow({ peak, sockets, cores, us, idle }: Demand): Row {
  const natsCpu = peak * us('nats') + sockets * idle('nats');
  return {
    component: `NATS servers (${A.coresPerNode} cores; a cluster is at least 3)`,
    need: `${fmt(cores(natsCpu), 1)} cores`,
    count: Math.max(3, Math.ceil(cores(natsCpu) / A.coresPerNode)),
    basis: `${fmt(us('nats'), 1)} µs per message + ${fmt(idle('nats'), 2)} µs per socket-second`,
  };
}

function postgresRow({ inputs, peak, cores, us }: Demand): Row {
  const pgCores = cores(peak * us('postgres'));
  const storedTb = (A.messagesPerDay * A.retentionDays * inputs.bytesPerMessage) / 1e12;
  return {
    component: `PostgreSQL primaries / shards (${A.coresPerNode} cores)`,
    need: `${fmt(pgCores, 1)} cores; WAL ${fmt((peak * inputs.walBytesPerMessage) / 1e6, 1)} MB/s; ${fmt(storedTb, 1)} TB for ${A.retentionDays} days`,
    count: Math.ceil(pgCores / A.coresPerNode),
    basis: `${fmt(us('postgres'), 1)} µs per message, ${fmt(inputs.walBytesPerMessage)} B of WAL and ${fmt(inputs.bytesPerMessage)} B stored (with indexes) per message`,
  };
}

function pushRow({ peak }: Demand): Row {
  const pushes = peak * A.recipientsPerMessage * (1 - A.onlineRecipientShare);
  return {
    component: 'push-notifier replicas',
    need: `${fmt(pushes)} pushes/s before coalescing`,
    count: Math.ceil(pushes / A.pushesPerReplica),
    basis: `assumption: ${fmt(A.pushesPerReplica)} pushes/s per replica (not measured)`,
  };
}

/** Single-instance ceilings, lowest first. */
function ceilingsOf({ sockets, us, idle }: Demand): Plan['ceilings'] {
  return [
    {
      component: `Redis for presence (${A.presenceShards} shards: at most ${A.presenceShards} cores)`,
      msgsPerSec: (A.presenceShards * 1e6 * A.utilization - sockets * idle('redis')) / Math.max(0.01, us('redis')),
      basis: 'one presence shard is one hash slot, and Redis is single-threaded; more PRESENCE_SHARDS lift it',
    },
    {
      component: `one PostgreSQL primary (${A.coresPerNode} cores)`,
      msgsPerSec: (A.coresPerNode * 1e6 * A.utilization) / Math.max(0.01, us('postgres')),
      basis: 'writes go to the primary',
    },
    {
      component: `one NATS server (${A.coresPerNode} cores)`,
      msgsPerSec: (A.coresPerNode * 1e6 * A.utilization - sockets * idle('nats')) / Math.max(0.01, us('nats')),
      basis: 'before clustering',
    },
  ].sort((x, y) => x.msgsPerSec - y.msgsPerSec);
}

/** The generated part of docs/scaling.md: the measured inputs, the assumptions, and a plan per user count. */
export function renderScaling(results: BenchResults): string {
  const inputs = inputsOf(results);
  const out: string[] = [];
  out.push(
    `Generated from the bench run of ${results.startedAt} (docs/benchmarks.md); the assumptions are the constants below.`,
  );
  out.push('');
  if (Array.isArray(inputs)) {
    out.push(`Not computed: this run lacks ${inputs.join(', ')}.`);
    return out.join('\n');
  }
  out.push(...measuredInputs(inputs, results.machine.cores));
  if (inputs.replicas) out.push(...replicaInputs(inputs.replicas, inputs.perMessageUs));
  // The crowd's send interval (a run's config is stored as it was: older runs lack it).
  const interval = results.config['idleSendIntervalS'];
  out.push(...oneGatewayLines(inputs, typeof interval === 'number' && interval > 0 ? interval : 10));
  out.push(assumptionsLine());
  for (const users of [1e6, 10e6]) out.push(...planLines(plan(inputs, users)));
  return out.join('\n');
}

function measuredInputs(inputs: Inputs, cores: number): string[] {
  const out: string[] = [];
  out.push(
    '**Measured inputs** (per 1:1 message at the highest rate that met the SLO, ' +
      `${fmt(inputs.maxRate)} msg/s on ${cores} cores):`,
  );
  out.push('');
  out.push("| process | µs CPU per message | µs CPU per idle socket per second (above the process's own idle) |");
  out.push('|---|---:|---:|');
  const names = [
    ...new Set([...Object.keys(inputs.perMessageUs), ...Object.keys(inputs.idleUsPerSocketSecond)]),
  ].filter((n) => n !== 'server');
  for (const n of names)
    out.push(
      `| ${n} | ${fmt(inputs.perMessageUs[n] ?? 0, 1)} | ${inputs.idleUsPerSocketSecond[n] === undefined ? 'n/a' : fmt(inputs.idleUsPerSocketSecond[n], 3)} |`,
    );
  out.push('');
  out.push(
    `Gateway per extra delivery (group run): ${fmt(inputs.gatewayPerDeliveryUs, 1)} µs. Per idle socket: heap ${fmt(inputs.heapPerSocket)} B, RSS ${fmt(inputs.rssPerSocket)} B, Redis ${fmt(inputs.redisBytesPerSocket)} B. Per message in PostgreSQL: ${fmt(inputs.bytesPerMessage)} B stored with indexes, ${fmt(inputs.walBytesPerMessage)} B of WAL (all of the server's WAL during the run, others' writes included: an upper bound).`,
  );
  out.push('');
  return out;
}

/** Which figures size the gateways and message-stores when the run had a scale-out phase. */
function replicaInputs(r: ReplicaFigures, oneOfEach: Record<string, number>): string[] {
  const app = (name: ScaledApp) => {
    const a = r.apps[name];
    const each = Object.entries(a.replicaCores).map(([n, c]) => `${n} ${fmt(c, 2)} cores`);
    return `${each.join(', ')}: ${fmt(a.usPerMessage, 1)} µs per message together (one alone above: ${fmt(oneOfEach[name] ?? 0, 1)} µs), ~${fmt(1e6 / Math.max(0.01, a.usPerMessage))} msg/s per replica core`;
  };
  return [
    `**Gateways and message-stores are sized from the scale-out run** (its max, ${fmt(r.rate)} msg/s, users spread over the gateways): ${app('chat-gateway')}; ${app('message-store')}. The other components use the figures above.`,
    '',
  ];
}

/**
 * One gateway process without this machine's open-files limit: where its one JavaScript thread
 * and its heap run out, from the per-socket and per-message costs measured above.
 */
export function oneGatewayCapacity(inputs: Inputs, sendIntervalS: number): { cpuSockets: number; heapSockets: number } {
  const perUserSecondUs =
    (inputs.idleUsPerSocketSecond['chat-gateway'] ?? 0) + (inputs.perMessageUs['chat-gateway'] ?? 0) / sendIntervalS;
  return {
    cpuSockets: (1e6 * A.utilization) / Math.max(0.01, perUserSecondUs),
    heapSockets: GATEWAY_HEAP_BYTES / Math.max(1, inputs.heapPerSocket),
  };
}

/** A gateway's heap budget: V8's default old space on a 64-bit host with 16 GB or more (raise with --max-old-space-size). */
const GATEWAY_HEAP_BYTES = 4 * 2 ** 30;

function oneGatewayLines(inputs: Inputs, sendIntervalS: number): string[] {
  const { cpuSockets, heapSockets } = oneGatewayCapacity(inputs, sendIntervalS);
  const idle = inputs.idleUsPerSocketSecond['chat-gateway'] ?? 0;
  const perMessage = inputs.perMessageUs['chat-gateway'] ?? 0;
  return [
    `**One gateway process with a higher open-files limit** (this machine allows 20,000 files per process): with every user sending a 1:1 message every ${fmt(sendIntervalS)} s, a user costs the gateway ${fmt(idle, 2)} µs per second idle + ${fmt(perMessage, 1)} µs per message / ${fmt(sendIntervalS)} s = ${fmt(idle + perMessage / sendIntervalS, 1)} µs of CPU per second, so one core at ${A.utilization * 100}% holds ~${fmt(cpuSockets)} such users; its heap (${fmt(inputs.heapPerSocket)} B per socket) would hold ~${fmt(heapSockets)} sockets in ${fmt(GATEWAY_HEAP_BYTES / 2 ** 30)} GiB. ${cpuSockets <= heapSockets ? 'CPU' : 'The heap'} binds first: **~${fmt(Math.min(cpuSockets, heapSockets))} users per gateway process** at this send rate; idle users (no sends) ~${fmt(Math.min(heapSockets, (1e6 * A.utilization) / Math.max(0.01, idle)))}.`,
    '',
  ];
}

function assumptionsLine(): string {
  return `**Assumptions**: ${fmt(A.messagesPerDay / 1e9)} billion messages a day, peak hour ${A.peakToAverage}x the average; ${fmt(A.recipientsPerMessage, 1)} recipients per message (90% 1:1, 10% groups of 20), ${A.onlineRecipientShare * 100}% of them online; ${A.socketsPerUser} socket per user; ${A.utilization * 100}% planned CPU; ${fmt(A.socketsPerGateway)} sockets per gateway process; ${A.coresPerNode}-core database and NATS hosts; ${A.retentionDays} days of messages in PostgreSQL; production cores as fast as this machine's.`;
}

function planLines(p: Plan): string[] {
  const out: string[] = [];
  out.push('');
  out.push(`#### ${fmt(p.users / 1e6)}M concurrent users, ${fmt(p.peakMsgs)} messages/s at peak`);
  out.push('');
  out.push('| component | needs | count | from |');
  out.push('|---|---|---:|---|');
  for (const r of p.rows) out.push(`| ${r.component} | ${r.need} | ${fmt(r.count)} | ${r.basis} |`);
  out.push('');
  out.push(
    `Single-instance ceilings, lowest first: ${p.ceilings.map((c) => `${c.component} ${c.msgsPerSec > 0 ? `~${fmt(c.msgsPerSec)} msg/s` : 'saturated by idle sockets alone'} (${c.basis})`).join('; ')}.`,
  );
  return out;
}
