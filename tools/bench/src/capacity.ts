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
  };
}

export interface Plan {
  users: number;
  peakMsgs: number;
  rows: { component: string; need: string; count: number; basis: string }[];
  /** Message rate at which one instance of each component that does not scale by adding replicas saturates. */
  ceilings: { component: string; msgsPerSec: number; basis: string }[];
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export function plan(inputs: Inputs, users: number): Plan {
  const a = ASSUMPTIONS;
  const peak = (a.messagesPerDay / 86_400) * a.peakToAverage;
  const sockets = users * a.socketsPerUser;
  const online = peak * a.recipientsPerMessage * a.onlineRecipientShare;
  const cores = (usPerSec: number) => usPerSec / (1e6 * a.utilization);
  const us = (name: string) => inputs.perMessageUs[name] ?? 0;
  const idle = (name: string) => inputs.idleUsPerSocketSecond[name] ?? 0;
  // The 1:1 figure holds one delivery: what is left of it is the send itself.
  const perSend = Math.max(0, us('chat-gateway') - inputs.gatewayPerDeliveryUs);
  const gatewayCpu = peak * perSend + online * inputs.gatewayPerDeliveryUs + sockets * idle('chat-gateway');
  const gateways = Math.max(Math.ceil(sockets / a.socketsPerGateway), Math.ceil(cores(gatewayCpu)));
  const store = Math.ceil(cores(peak * us('message-store')));
  const presenceCpu = peak * us('presence') + sockets * idle('presence');
  const redisCpu = peak * us('redis') + sockets * idle('redis');
  const natsCpu = peak * us('nats') + sockets * idle('nats');
  const pgCores = cores(peak * us('postgres'));
  const pgNodes = Math.ceil(pgCores / a.coresPerNode);
  const storedTb = (a.messagesPerDay * a.retentionDays * inputs.bytesPerMessage) / 1e12;
  const pushes = peak * a.recipientsPerMessage * (1 - a.onlineRecipientShare);
  const rows: Plan['rows'] = [
    {
      component: 'chat-gateway processes (1 core each)',
      need: `${fmt(cores(gatewayCpu), 1)} cores; ${fmt(sockets)} sockets`,
      count: gateways,
      basis: `max(sockets / ${fmt(a.socketsPerGateway)}, CPU): ${fmt(perSend, 1)} µs per send + ${fmt(inputs.gatewayPerDeliveryUs, 1)} µs per online delivery + ${fmt(idle('chat-gateway'), 2)} µs per socket-second; heap ${fmt((a.socketsPerGateway * inputs.heapPerSocket) / 1e9, 2)} GB, RSS ${fmt((a.socketsPerGateway * inputs.rssPerSocket) / 1e9, 2)} GB per process`,
    },
    {
      component: 'message-store replicas (1 core each)',
      need: `${fmt(cores(peak * us('message-store')), 1)} cores`,
      count: store,
      basis: `${fmt(us('message-store'), 1)} µs per message`,
    },
    {
      component: 'presence replicas (1 core each)',
      need: `${fmt(cores(presenceCpu), 1)} cores`,
      count: Math.ceil(cores(presenceCpu)),
      basis: `${fmt(us('presence'), 1)} µs per message + ${fmt(idle('presence'), 2)} µs per socket-second (heartbeats)`,
    },
    {
      component: 'Redis (single-threaded: 1 core per shard)',
      need: `${fmt(cores(redisCpu), 1)} cores; ${fmt((sockets * inputs.redisBytesPerSocket) / 1e9, 1)} GB`,
      count: Math.ceil(cores(redisCpu)),
      basis: `${fmt(us('redis'), 1)} µs per message + ${fmt(idle('redis'), 2)} µs per socket-second; ${fmt(inputs.redisBytesPerSocket)} B per socket`,
    },
    {
      component: `NATS servers (${a.coresPerNode} cores; a cluster is at least 3)`,
      need: `${fmt(cores(natsCpu), 1)} cores`,
      count: Math.max(3, Math.ceil(cores(natsCpu) / a.coresPerNode)),
      basis: `${fmt(us('nats'), 1)} µs per message + ${fmt(idle('nats'), 2)} µs per socket-second`,
    },
    {
      component: `PostgreSQL primaries / shards (${a.coresPerNode} cores)`,
      need: `${fmt(pgCores, 1)} cores; WAL ${fmt((peak * inputs.walBytesPerMessage) / 1e6, 1)} MB/s; ${fmt(storedTb, 1)} TB for ${a.retentionDays} days`,
      count: pgNodes,
      basis: `${fmt(us('postgres'), 1)} µs per message, ${fmt(inputs.walBytesPerMessage)} B of WAL and ${fmt(inputs.bytesPerMessage)} B stored (with indexes) per message`,
    },
    {
      component: 'push-notifier replicas',
      need: `${fmt(pushes)} pushes/s before coalescing`,
      count: Math.ceil(pushes / a.pushesPerReplica),
      basis: `assumption: ${fmt(a.pushesPerReplica)} pushes/s per replica (not measured)`,
    },
  ];
  const ceilings: Plan['ceilings'] = [
    {
      component: `Redis for presence (${a.presenceShards} shards: at most ${a.presenceShards} cores)`,
      msgsPerSec: (a.presenceShards * 1e6 * a.utilization - sockets * idle('redis')) / Math.max(0.01, us('redis')),
      basis: 'one presence shard is one hash slot, and Redis is single-threaded; more PRESENCE_SHARDS lift it',
    },
    {
      component: `one PostgreSQL primary (${a.coresPerNode} cores)`,
      msgsPerSec: (a.coresPerNode * 1e6 * a.utilization) / Math.max(0.01, us('postgres')),
      basis: 'writes go to the primary',
    },
    {
      component: `one NATS server (${a.coresPerNode} cores)`,
      msgsPerSec: (a.coresPerNode * 1e6 * a.utilization - sockets * idle('nats')) / Math.max(0.01, us('nats')),
      basis: 'before clustering',
    },
  ].sort((x, y) => x.msgsPerSec - y.msgsPerSec);
  return { users, peakMsgs: peak, rows, ceilings };
}

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
  const a = ASSUMPTIONS;
  out.push(
    '**Measured inputs** (per 1:1 message at the highest rate that met the SLO, ' +
      `${fmt(inputs.maxRate)} msg/s on ${results.machine.cores} cores):`,
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
  out.push(
    `**Assumptions**: ${fmt(a.messagesPerDay / 1e9)} billion messages a day, peak hour ${a.peakToAverage}x the average; ${fmt(a.recipientsPerMessage, 1)} recipients per message (90% 1:1, 10% groups of 20), ${a.onlineRecipientShare * 100}% of them online; ${a.socketsPerUser} socket per user; ${a.utilization * 100}% planned CPU; ${fmt(a.socketsPerGateway)} sockets per gateway process; ${a.coresPerNode}-core database and NATS hosts; ${a.retentionDays} days of messages in PostgreSQL; production cores as fast as this machine's.`,
  );
  for (const users of [1e6, 10e6]) {
    const p = plan(inputs, users);
    out.push('');
    out.push(`#### ${fmt(users / 1e6)}M concurrent users, ${fmt(p.peakMsgs)} messages/s at peak`);
    out.push('');
    out.push('| component | needs | count | from |');
    out.push('|---|---|---:|---|');
    for (const r of p.rows) out.push(`| ${r.component} | ${r.need} | ${fmt(r.count)} | ${r.basis} |`);
    out.push('');
    out.push(
      `Single-instance ceilings, lowest first: ${p.ceilings.map((c) => `${c.component} ${c.msgsPerSec > 0 ? `~${fmt(c.msgsPerSec)} msg/s` : 'saturated by idle sockets alone'} (${c.basis})`).join('; ')}.`,
    );
  }
  return out.join('\n');
}
