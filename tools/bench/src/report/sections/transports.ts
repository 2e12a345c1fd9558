import type { BenchResults, RunSummary, Step } from '../../results';
import { fmt } from '../format';
import { stepTable } from '../tables';

/** One client edge's part of the comparison: its 1:1 ramp and idle connections. */
type Edge = NonNullable<BenchResults['transports']>['socketio'];
type Wire = NonNullable<Step['wire']>;

/** Socket.IO vs gRPC: the same ramp and idle connections over both edges of one stack. */
export function transportSection(results: BenchResults): string[] {
  const t = results.transports;
  if (!t) return [];
  return [
    '### Socket.IO vs gRPC: the same stack, one run',
    '',
    transportIntro(results, t.socketio),
    '',
    '| | Socket.IO | gRPC | better |',
    '|---|---:|---:|---|',
    ...rateRows(t.socketio?.run, t.grpc?.run),
    ...wireRows(t.socketio?.run, t.grpc?.run),
    ...connectionRows(t.socketio, t.grpc),
    '',
    ...rampTables(t.socketio?.run, t.grpc?.run),
  ];
}

function transportIntro(results: BenchResults, sio: Edge): string {
  const load = results.loadAvg
    .filter((l) => /^(socketio|grpc) /.test(l.phase))
    .map((l) => `${l.phase} ${l.load1}`)
    .join('; ');
  return `The 1:1 ramp above, once over Socket.IO (one WebSocket per user) and once over gRPC (one HTTP/2 channel and \`Connect\` stream per user), ${fmt(sio?.run.users)} fresh users each, then idle authenticated connections; same gateway process, same open-loop schedule and zero-loss check. Bytes on the wire: the kernel's counters of every client connection to the gateway's port (\`ss -ti\` bytes_sent + bytes_received, TCP payload: WebSocket frames with Socket.IO packets, or HTTP/2 frames with HPACK headers, pings included; no TCP/IP headers) over all steps of the ramp, per acked message (send, ack and the recipient's message:new). Load average (1 min) at each part: ${load || 'n/a'}.`;
}

/** A row of the comparison: Socket.IO's figure, gRPC's, and which is better. */
function row(what: string, a: number | undefined, b: number | undefined, unit: string, digits = 0, higher = false) {
  return `| ${what} | ${fmt(a, digits)}${unit} | ${fmt(b, digits)}${unit} | ${winner(a, b, higher)} |`;
}

/** Which of two figures wins: the lower one, or the higher one with higherWins. */
function winner(a: number | undefined, b: number | undefined, higherWins = false): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return 'n/a';
  if (a === b) return 'tie';
  const aWins = higherWins ? a > b : a < b;
  const [hi, lo] = a > b ? [a, b] : [b, a];
  return `${aWins ? 'Socket.IO' : 'gRPC'}${lo > 0 ? ` (${fmt(hi / lo, 2)}x)` : ''}`;
}

/** The ceiling, its latency, and CPU per message at it and at half of it. */
function rateRows(sio: RunSummary | undefined, grpc: RunSummary | undefined): string[] {
  return [
    row(
      'durable 1:1 messages/s at e2e p99 <= 100 ms',
      sio?.max?.deliveredMsgsPerSec,
      grpc?.max?.deliveredMsgsPerSec,
      '',
      0,
      true,
    ),
    row('e2e p99 at that rate', sio?.max?.e2e.p99Ms, grpc?.max?.e2e.p99Ms, ' ms', 1),
    row('ack p99 at that rate', sio?.max?.ack.p99Ms, grpc?.max?.ack.p99Ms, ' ms', 1),
    row(
      'CPU per message, all server processes (at the max)',
      sio?.max?.cpuUsPerMessage,
      grpc?.max?.cpuUsPerMessage,
      ' µs',
    ),
    row(
      'CPU per message, chat-gateway alone (at the max)',
      gatewayCpuPerMessage(sio?.max),
      gatewayCpuPerMessage(grpc?.max),
      ' µs',
    ),
    row('CPU per message at half the max', sio?.half?.cpuUsPerMessage, grpc?.half?.cpuUsPerMessage, ' µs'),
  ];
}

/** The gateway processes' CPU per acked message of a step, µs. */
function gatewayCpuPerMessage(step: Step | undefined): number | undefined {
  if (!step?.acked) return undefined;
  const gw = Object.entries(step.cpuSeconds)
    .filter(([name]) => name.startsWith('chat-gateway'))
    .reduce((n, [, v]) => n + v, 0);
  return Math.round((gw * 1e6) / step.acked);
}

/** Bytes per message hardly depend on the rate: summed over every measured step of the ramp. */
function wirePerMessage(r: RunSummary | undefined, f: (w: Wire) => number): number | undefined {
  const steps = (r?.steps ?? []).filter((st) => st.phase !== 'warmup' && st.wire);
  const acked = steps.reduce((n, st) => n + st.acked, 0);
  return acked ? steps.reduce((n, st) => n + f(st.wire as Wire), 0) / acked : undefined;
}

function wireRows(sio: RunSummary | undefined, grpc: RunSummary | undefined): string[] {
  const parts: [string, (w: Wire) => number, string, number][] = [
    ['bytes on the wire per message', (w) => w.bytesUp + w.bytesDown, ' B', 0],
    ['  of which client -> server', (w) => w.bytesUp, ' B', 0],
    ['  of which server -> client', (w) => w.bytesDown, ' B', 0],
    ['TCP segments with data per message', (w) => w.dataSegments, '', 2],
  ];
  return parts.map(([what, f, unit, digits]) =>
    row(what, wirePerMessage(sio, f), wirePerMessage(grpc, f), unit, digits),
  );
}

/** Memory per idle connection, and what the ramps' zero-loss checks found. */
function connectionRows(sio: Edge, grpc: Edge): string[] {
  return [
    row('heap per idle connection', sio?.idle?.heapPerSocketBytes, grpc?.idle?.heapPerSocketBytes, ' B'),
    row('RSS per idle connection', sio?.idle?.rssPerSocketBytes, grpc?.idle?.rssPerSocketBytes, ' B'),
    `| idle connections measured | ${fmt(sio?.idle?.sockets)} | ${fmt(grpc?.idle?.sockets)} | |`,
    `| lost / duplicates (zero-loss check) | ${fmt(sio?.run.totals.lost)} / ${fmt(sio?.run.totals.duplicates)} | ${fmt(grpc?.run.totals.lost)} / ${fmt(grpc?.run.totals.duplicates)} | |`,
  ];
}

/** Each edge's ramp, step by step. */
function rampTables(sio: RunSummary | undefined, grpc: RunSummary | undefined): string[] {
  const out: string[] = [];
  for (const [name, r] of [
    ['Socket.IO', sio],
    ['gRPC', grpc],
  ] as const) {
    if (!r) continue;
    out.push(`${name} ramp:`);
    out.push('');
    out.push(stepTable(r.steps, true));
    out.push('');
  }
  return out;
}
