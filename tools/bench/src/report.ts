import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { BenchConfig } from './bench-config';
import { renderScaling } from './capacity';
import type { BenchResults, IdleMemory, RunSummary, Step } from './results';

const BEGIN = '<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

const fmt = (n: number | undefined | null, digits = 0): string =>
  n === undefined || n === null || !Number.isFinite(n)
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const kb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${fmt(bytes / 1000, 1)} KB`);
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : undefined);

export interface TargetRow {
  target: string;
  goal: string;
  measured: string;
  met: boolean | undefined;
}

function best(results: BenchResults, mode: string): number | undefined {
  const rows = (results.ingest ?? []).filter((r) => r.mode === mode);
  return rows.length ? Math.max(...rows.map((r) => r.rowsPerSec)) : undefined;
}

export function targets(results: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const p = results.parley;
  const r = results.relay;
  const pMax = p?.max?.deliveredMsgsPerSec;
  const rMax = r?.max?.deliveredMsgsPerSec;
  const x = ratio(pMax, rMax);
  rows.push({
    target: 'Durable 1:1 messages/s delivered at e2e p99 <= 100 ms',
    goal: '>= 0.33x the bare relay',
    measured: `${fmt(pMax)} vs relay ${fmt(rMax)} = ${fmt(x, 2)}x`,
    met: x === undefined ? undefined : x >= 0.33,
  });
  // Judged where a box is used for capacity, at the max rate; at half of it per-wakeup costs weigh more.
  const cpu = p?.max?.cpuUsPerMessage;
  rows.push({
    target: 'CPU per message, all server processes incl. PostgreSQL, NATS, Redis (at the max rate)',
    goal: '<= 250 µs',
    measured: `${fmt(cpu)} µs at ${fmt(p?.max?.offeredRate)} msg/s (at half of it: ${fmt(p?.half?.cpuUsPerMessage)} µs)`,
    met: cpu === undefined ? undefined : cpu <= 250,
  });
  const store = results.store?.rowsPerSec;
  const u100 = best(results, 'unnest batch 100');
  const single = best(results, 'single-row autocommit');
  rows.push({
    target: 'message-store persisted rows/s vs raw UNNEST batch-of-100 ingest',
    goal: '>= 0.5x',
    measured: `${fmt(store)} vs ${fmt(u100)} = ${fmt(ratio(store, u100), 2)}x`,
    met: store && u100 ? store / u100 >= 0.5 : undefined,
  });
  rows.push({
    target: 'message-store persisted rows/s vs single-row autocommit',
    goal: '>= 10x',
    measured: `${fmt(store)} vs ${fmt(single)} = ${fmt(ratio(store, single), 1)}x`,
    met: store && single ? store / single >= 10 : undefined,
  });
  const h = p?.half;
  const lat = (label: string, v: number | undefined, max: number) =>
    rows.push({
      target: `${label} at half the max rate (${fmt(h?.offeredRate)} msg/s)`,
      goal: `<= ${max} ms`,
      measured: `${fmt(v, 1)} ms`,
      met: v === undefined ? undefined : v <= max,
    });
  lat('Ack p50', h?.ack.p50Ms, 5);
  lat('Ack p99', h?.ack.p99Ms, 25);
  lat('End-to-end p50', h?.e2e.p50Ms, 10);
  lat('End-to-end p99', h?.e2e.p99Ms, 50);
  const pi = results.parleyIdle;
  const ri = results.relayIdle;
  const memX = ratio(pi?.heapPerSocketBytes, ri?.heapPerSocketBytes);
  rows.push({
    target: 'Heap per authenticated idle socket',
    goal: '<= 2x bare Socket.IO and <= 20 KB',
    measured: `${kb(pi?.heapPerSocketBytes)} vs bare ${kb(ri?.heapPerSocketBytes)} = ${fmt(memX, 2)}x`,
    met: pi && ri ? pi.heapPerSocketBytes <= 2 * ri.heapPerSocketBytes && pi.heapPerSocketBytes <= 20_000 : undefined,
  });
  const c = results.crowd;
  const cs = c?.steps[c.steps.length - 1];
  rows.push({
    target: `One gateway holds 20,000 users, each sending every ${c?.intervalS ?? 10} s`,
    goal: '20,000 connected, e2e p99 <= 100 ms',
    measured: c
      ? `${fmt(c.connected)} connected, ${fmt(cs?.deliveredMsgsPerSec)} of ${fmt(cs?.offeredRate)} msg/s delivered, e2e p99 ${fmt(cs?.e2e.p99Ms, 1)} ms${cs && cs.otherCores > 0.3 ? ` (others used ${fmt(cs.otherCores, 2)} cores)` : ''}`
      : 'n/a',
    met: c && cs ? c.connected >= 20_000 && cs.e2e.p99Ms <= 100 && cs.meetsSlo : undefined,
  });
  const g = results.group;
  const gs = g?.steps[g.steps.length - 1];
  rows.push({
    target: `A group of ${g?.users ?? 1024}: one message to every online member`,
    goal: 'e2e p99 <= 250 ms (1,024 members)',
    measured: g ? `${fmt(gs?.deliveries)} deliveries, e2e p99 ${fmt(gs?.e2e.p99Ms, 1)} ms` : 'n/a',
    met: g && gs ? g.users >= 1024 && gs.e2e.p99Ms <= 250 && gs.deliveries === gs.expectedDeliveries : undefined,
  });
  const runs = [results.relay, results.parley, results.group, results.crowd].filter((x): x is RunSummary => !!x);
  rows.push({
    target: 'Zero loss: every acked message reached every recipient and (Parley) is in PostgreSQL',
    goal: '0 lost',
    measured: runs.map((x) => `${fmt(x.totals.lost)} lost / ${fmt(x.totals.acked)} acked`).join('; ') || 'n/a',
    met: runs.length ? runs.every((x) => x.zeroLoss) : undefined,
  });
  return rows;
}

function stepTable(steps: Step[], server: boolean): string {
  const head = `| phase | offered msg/s | delivered msg/s | ack p50 ms | ack p99 ms | e2e p50 ms | e2e p99 ms | e2e p99.9 ms | CPU µs/msg${server ? ' (servers)' : ''} | machine busy / others' cores | SLO |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|`;
  const rows = steps.map(
    (s) =>
      `| ${s.phase} | ${fmt(s.offeredRate)} | ${fmt(s.deliveredMsgsPerSec)} | ${fmt(s.ack.p50Ms, 1)} | ${fmt(s.ack.p99Ms, 1)} | ${fmt(s.e2e.p50Ms, 1)} | ${fmt(s.e2e.p99Ms, 1)} | ${fmt(s.e2e.p999Ms, 1)} | ${fmt(s.cpuUsPerMessage)} | ${fmt(s.machineBusyCores, 2)} / ${fmt(s.otherCores, 2)} | ${s.meetsSlo ? 'ok' : `${s.why ?? 'missed'}${s.disturbed ? ' (others busy: run again)' : ''}`} |`,
  );
  return [head, ...rows].join('\n');
}

function cpuTable(step: Step | undefined, other?: Step): string {
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

function lossLine(name: string, run: RunSummary | undefined): string {
  if (!run) return `| ${name} | not run | | | | | | |`;
  const t = run.totals;
  const replay = t.disconnects
    ? `${fmt(t.disconnects)} dropped; ${fmt(t.recoveredByReplay ?? 0)} delivered by the replay on reconnect`
    : 'none dropped';
  return `| ${name} | ${fmt(t.acked)} | ${fmt(t.delivered)} of ${fmt(t.expectedDeliveries)} | ${fmt(t.lostDeliveries)} | ${t.lostInStore === null ? 'not checked (no store)' : `${fmt(t.lostInStore)} of ${fmt(t.storeChecked)} checked`} | ${fmt(t.duplicates)} | ${fmt(t.outOfOrder)} | ${replay} |`;
}

function idleLine(name: string, m: IdleMemory | undefined): string {
  if (!m) return `| ${name} | not run | | | |`;
  return `| ${name} | ${fmt(m.sockets)} | ${kb(m.heapPerSocketBytes)} | ${kb(m.rssPerSocketBytes)} | ${fmt(m.heapBeforeBytes / 1e6, 1)} -> ${fmt(m.heapAfterBytes / 1e6, 1)} MB |`;
}

/** Latency (log scale) against offered load for Parley and the bare relay, as a standalone SVG. */
export function latencyChart(results: BenchResults, sloMs: number): string {
  const series: { name: string; color: string; dash?: string; points: [number, number][] }[] = [];
  const add = (name: string, color: string, run: RunSummary | undefined, pick: (s: Step) => number, dash?: string) => {
    const steps = (run?.steps ?? [])
      .filter((s) => s.phase !== 'half' && s.phase !== 'warmup')
      .sort((a, b) => a.offeredRate - b.offeredRate);
    if (steps.length)
      series.push({ name, color, dash, points: steps.map((s) => [s.offeredRate, Math.max(0.1, pick(s))]) });
  };
  add('Parley e2e p99', '#c0392b', results.parley, (s) => s.e2e.p99Ms);
  add('Parley e2e p50', '#c0392b', results.parley, (s) => s.e2e.p50Ms, '6 4');
  add('bare relay e2e p99', '#2471a3', results.relay, (s) => s.e2e.p99Ms);
  add('bare relay e2e p50', '#2471a3', results.relay, (s) => s.e2e.p50Ms, '6 4');
  const W = 760;
  const H = 420;
  const m = { l: 70, r: 20, t: 30, b: 60 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMax = Math.max(1000, ...xs) * 1.05;
  const yMin = 0.1;
  const yMax = 10_000;
  const x = (v: number) => m.l + (v / xMax) * (W - m.l - m.r);
  const y = (v: number) =>
    m.t +
    (1 - (Math.log10(Math.min(yMax, Math.max(yMin, v))) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) *
      (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">End-to-end latency against offered load (1:1 messages, ${results.startedAt.slice(0, 10)})</text>`,
  );
  for (const v of [0.1, 1, 10, 100, 1000, 10000]) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1 ? v : v.toFixed(1)} ms</text>`);
  }
  const step = xMax > 20000 ? 5000 : xMax > 8000 ? 2000 : 1000;
  for (let v = 0; v <= xMax; v += step) {
    parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`);
    parts.push(`<text x="${x(v)}" y="${H - m.b + 16}" text-anchor="middle">${v / 1000}k</text>`);
  }
  parts.push(`<text x="${(W + m.l) / 2}" y="${H - 20}" text-anchor="middle">offered load (messages/s)</text>`);
  parts.push(
    `<line x1="${m.l}" x2="${W - m.r}" y1="${y(sloMs)}" y2="${y(sloMs)}" stroke="#555" stroke-dasharray="2 3"/>`,
  );
  parts.push(`<text x="${W - m.r - 4}" y="${y(sloMs) - 4}" text-anchor="end" fill="#555">SLO p99 ${sloMs} ms</text>`);
  series.forEach((s, i) => {
    const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    for (const p of s.points)
      parts.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    const ly = m.t + 14 + i * 16;
    parts.push(
      `<line x1="${m.l + 10}" x2="${m.l + 40}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    parts.push(`<text x="${m.l + 46}" y="${ly}">${s.name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function renderReport(results: BenchResults, config: BenchConfig, chartFile: string): string {
  return [
    ...runSection(results),
    ...targetsSection(results),
    ...sideBySideSection(results, config, chartFile),
    ...storageSection(results, config),
    ...idleSection(results),
    ...transportSection(results),
    ...crowdSection(results),
    ...groupSection(results, config),
    ...zeroLossSection(results),
  ].join('\n');
}

/** When, on what machine, what one hop costs there, and the load around each phase. */
function runSection(results: BenchResults): string[] {
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

function targetsSection(results: BenchResults): string[] {
  const rows = targets(results);
  const out: string[] = [];
  out.push('### Targets');
  out.push('');
  out.push('| target | goal | measured | met |');
  out.push('|---|---|---|---|');
  for (const r of rows)
    out.push(
      `| ${r.target} | ${r.goal} | ${r.measured} | ${r.met === undefined ? 'not run' : r.met ? 'yes' : '**no**'} |`,
    );
  out.push('');
  if (results.notes.length) {
    for (const n of results.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out;
}

function sideBySideSection(results: BenchResults, config: BenchConfig, chartFile: string): string[] {
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

function storageSection(results: BenchResults, config: BenchConfig): string[] {
  const out: string[] = [];
  out.push('### Storage: message-store against raw PostgreSQL ingest');
  out.push('');
  out.push(
    `The same rows (message_store.messages' shape: ${config.messagePartitions} hash partitions, primary key (chat_id, seq), the idempotency unique index, ${config.bodyBytes}-byte ciphertext + IV + tag) inserted from Node pg for ${config.ingestSeconds} s per mode, each statement its own transaction, synchronous_commit on, after a CHECKPOINT.`,
  );
  out.push('');
  out.push('| mode | connections | rows/s | transactions/s |');
  out.push('|---|---:|---:|---:|');
  for (const r of results.ingest ?? [])
    out.push(`| ${r.mode} | ${r.connections} | ${fmt(r.rowsPerSec)} | ${fmt(r.transactionsPerSec)} |`);
  const s = results.store;
  if (s) {
    out.push(
      `| **message-store** (${s.itemsPerRequest > 1 ? `message.append-batch.v1 over NATS, ${fmt(s.itemsPerRequest)} appends per request as a gateway batches them` : 'message.append.v1 over NATS'}, ${fmt(s.inFlight)} in flight, group commit: mean batch ${fmt(s.meanBatch, 1)}) | its pool | **${fmt(s.rowsPerSec)}** | ${s.meanBatch ? fmt(s.rowsPerSec / s.meanBatch) : 'n/a'} |`,
    );
    const errs = Object.entries(s.errors);
    if (errs.length)
      out.push(`\nmessage-store errors during the drive: ${errs.map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  }
  out.push('');
  return out;
}

function idleSection(results: BenchResults): string[] {
  const out: string[] = [];
  out.push('### Idle connections');
  out.push('');
  out.push(
    'Heap and RSS of the server process after a full GC, before and while the sockets are connected and idle (authenticated with the same ES256 tokens on both).',
  );
  out.push('');
  out.push('| server | idle sockets | heap per socket | RSS per socket | heap before -> after |');
  out.push('|---|---:|---:|---:|---:|');
  out.push(idleLine('Parley chat-gateway', results.parleyIdle));
  out.push(idleLine('bare Socket.IO server', results.relayIdle));
  out.push('');
  return out;
}

/** Which of two figures wins: the lower one, or the higher one with higherWins. */
function winner(a: number | undefined, b: number | undefined, higherWins = false): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return 'n/a';
  if (a === b) return 'tie';
  const aWins = higherWins ? a > b : a < b;
  const [hi, lo] = a > b ? [a, b] : [b, a];
  return `${aWins ? 'Socket.IO' : 'gRPC'}${lo > 0 ? ` (${fmt(hi / lo, 2)}x)` : ''}`;
}

/** Socket.IO vs gRPC: the same ramp and idle connections over both edges of one stack. */
export function transportSection(results: BenchResults): string[] {
  const t = results.transports;
  if (!t) return [];
  const sio = t.socketio;
  const grpc = t.grpc;
  const load = results.loadAvg
    .filter((l) => /^(socketio|grpc) /.test(l.phase))
    .map((l) => `${l.phase} ${l.load1}`)
    .join('; ');
  const row = (what: string, a: number | undefined, b: number | undefined, unit: string, digits = 0, higher = false) =>
    `| ${what} | ${fmt(a, digits)}${unit} | ${fmt(b, digits)}${unit} | ${winner(a, b, higher)} |`;
  // Bytes per message hardly depend on the rate: summed over every measured step of the ramp.
  const perMsg = (r: RunSummary | undefined, f: (w: NonNullable<Step['wire']>) => number) => {
    const steps = (r?.steps ?? []).filter((st) => st.phase !== 'warmup' && st.wire);
    const acked = steps.reduce((n, st) => n + st.acked, 0);
    return acked ? steps.reduce((n, st) => n + f(st.wire as NonNullable<Step['wire']>), 0) / acked : undefined;
  };
  const out: string[] = [];
  out.push('### Socket.IO vs gRPC: the same stack, one run');
  out.push('');
  out.push(
    `The 1:1 ramp above, once over Socket.IO (one WebSocket per user) and once over gRPC (one HTTP/2 channel and \`Connect\` stream per user), ${fmt(sio?.run.users)} fresh users each, then idle authenticated connections; same gateway process, same open-loop schedule and zero-loss check. Bytes on the wire: the kernel's counters of every client connection to the gateway's port (\`ss -ti\` bytes_sent + bytes_received, TCP payload: WebSocket frames with Socket.IO packets, or HTTP/2 frames with HPACK headers, pings included; no TCP/IP headers) over all steps of the ramp, per acked message (send, ack and the recipient's message:new). Load average (1 min) at each part: ${load || 'n/a'}.`,
  );
  out.push('');
  out.push('| | Socket.IO | gRPC | better |');
  out.push('|---|---:|---:|---|');
  out.push(
    row(
      'durable 1:1 messages/s at e2e p99 <= 100 ms',
      sio?.run.max?.deliveredMsgsPerSec,
      grpc?.run.max?.deliveredMsgsPerSec,
      '',
      0,
      true,
    ),
  );
  out.push(row('e2e p99 at that rate', sio?.run.max?.e2e.p99Ms, grpc?.run.max?.e2e.p99Ms, ' ms', 1));
  out.push(row('ack p99 at that rate', sio?.run.max?.ack.p99Ms, grpc?.run.max?.ack.p99Ms, ' ms', 1));
  out.push(
    row(
      'CPU per message, all server processes (at the max)',
      sio?.run.max?.cpuUsPerMessage,
      grpc?.run.max?.cpuUsPerMessage,
      ' µs',
    ),
  );
  out.push(
    row(
      'CPU per message, chat-gateway alone (at the max)',
      gatewayCpuPerMessage(sio?.run.max),
      gatewayCpuPerMessage(grpc?.run.max),
      ' µs',
    ),
  );
  out.push(
    row('CPU per message at half the max', sio?.run.half?.cpuUsPerMessage, grpc?.run.half?.cpuUsPerMessage, ' µs'),
  );
  out.push(
    row(
      'bytes on the wire per message',
      perMsg(sio?.run, (w) => w.bytesUp + w.bytesDown),
      perMsg(grpc?.run, (w) => w.bytesUp + w.bytesDown),
      ' B',
    ),
  );
  const wireParts: [string, (w: NonNullable<Step['wire']>) => number, string, number][] = [
    ['  of which client -> server', (w) => w.bytesUp, ' B', 0],
    ['  of which server -> client', (w) => w.bytesDown, ' B', 0],
    ['TCP segments with data per message', (w) => w.dataSegments, '', 2],
  ];
  for (const [what, f, unit, digits] of wireParts)
    out.push(row(what, perMsg(sio?.run, f), perMsg(grpc?.run, f), unit, digits));
  out.push(row('heap per idle connection', sio?.idle?.heapPerSocketBytes, grpc?.idle?.heapPerSocketBytes, ' B'));
  out.push(row('RSS per idle connection', sio?.idle?.rssPerSocketBytes, grpc?.idle?.rssPerSocketBytes, ' B'));
  out.push(`| idle connections measured | ${fmt(sio?.idle?.sockets)} | ${fmt(grpc?.idle?.sockets)} | |`);
  out.push(
    `| lost / duplicates (zero-loss check) | ${fmt(sio?.run.totals.lost)} / ${fmt(sio?.run.totals.duplicates)} | ${fmt(grpc?.run.totals.lost)} / ${fmt(grpc?.run.totals.duplicates)} | |`,
  );
  out.push('');
  for (const [name, r] of [
    ['Socket.IO', sio?.run],
    ['gRPC', grpc?.run],
  ] as const) {
    if (!r) continue;
    out.push(`${name} ramp:`);
    out.push('');
    out.push(stepTable(r.steps, true));
    out.push('');
  }
  return out;
}

/** The gateway processes' CPU per acked message of a step, µs. */
function gatewayCpuPerMessage(step: Step | undefined): number | undefined {
  if (!step?.acked) return undefined;
  const gw = Object.entries(step.cpuSeconds)
    .filter(([name]) => name.startsWith('chat-gateway'))
    .reduce((n, [, v]) => n + v, 0);
  return Math.round((gw * 1e6) / step.acked);
}

function crowdSection(results: BenchResults): string[] {
  const out: string[] = [];
  const c = results.crowd;
  if (c) {
    out.push(`### The crowd: ${fmt(c.connected)} users on one gateway, each sending every ${c.intervalS} s`);
    out.push('');
    out.push(stepTable(c.steps, true));
    out.push('');
    out.push(cpuTable(c.steps[0]));
    out.push('');
  }
  return out;
}

function groupSection(results: BenchResults, config: BenchConfig): string[] {
  const out: string[] = [];
  const g = results.group;
  if (g) {
    out.push(`### Group fan-out: ${fmt(g.users)} members, all online`);
    out.push('');
    out.push(
      `One member sends ${config.groupRate} messages/s for ${config.groupSeconds} s; each goes to ${fmt(g.users - 1)} sockets.`,
    );
    out.push('');
    out.push(stepTable(g.steps, true));
    out.push('');
  }
  return out;
}

function zeroLossSection(results: BenchResults): string[] {
  const out: string[] = [];
  out.push('### Zero-loss checks');
  out.push('');
  out.push(
    'After each run the load generator waits for stragglers, connects again the users whose socket dropped (their replay counts: that is store-and-forward), then checks every acked message against what every other member received (deduplicated by chatId+seq) and, for Parley, against `message_store.messages` (same chat, seq and id).',
  );
  out.push('');
  out.push(
    '| run | acked | delivered | lost deliveries | lost in PostgreSQL | duplicates | out of order | sockets dropped |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|---|');
  out.push(lossLine('bare relay ramp', results.relay));
  out.push(lossLine('Parley 1:1 ramp', results.parley));
  out.push(lossLine('Parley group', results.group));
  out.push(lossLine('Parley crowd', results.crowd));
  if (results.transports) {
    out.push(lossLine('Socket.IO 1:1 ramp (transport comparison)', results.transports.socketio?.run));
    out.push(lossLine('gRPC 1:1 ramp (transport comparison)', results.transports.grpc?.run));
  }
  out.push('');
  out.push(`Raw figures of this run: \`.parley/bench/last-run.json\` (not committed).`);
  return out;
}

/** Replaces the generated section of a document (between the markers), keeping the hand-written rest. */
function writeSection(file: string, body: string, title: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const generated = `${BEGIN}\n${body}\n${END}`;
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const i = existing.indexOf(BEGIN);
  const j = existing.indexOf(END);
  const doc =
    i >= 0 && j > i
      ? existing.slice(0, i) + generated + existing.slice(j + END.length)
      : `# ${title}\n\nThe section between the markers is rewritten by each \`npm run bench\` (tools/bench).\n\n${generated}\n`;
  writeFileSync(file, doc);
}

/** Writes the generated sections of docs/benchmarks.md and docs/scaling.md, and the chart. */
export function writeReport(results: BenchResults, config: BenchConfig): void {
  mkdirSync(dirname(config.chartOut), { recursive: true });
  writeFileSync(config.chartOut, latencyChart(results, config.sloP99Ms));
  writeSection(config.out, renderReport(results, config, config.chartOut), 'Benchmarks');
  writeSection(config.scalingOut, renderScaling(results), 'Scaling');
}
