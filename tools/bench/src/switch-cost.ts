import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { schedOf } from '@parley/tools/proc-stats';

/** What passing a message from one process to the next costs on this machine (results.machine.switchCost). */
export interface SwitchCost {
  processes: number;
  hops: { hot: number; paced: number };
  pacedGapMs: number;
  /** CPU µs one relaying process spends per message it forwards. */
  usPerHopHot: number;
  usPerHopPaced: number;
  /** Wall µs per hop. */
  latencyUsPerHopHot: number;
  latencyUsPerHopPaced: number;
}

/**
 * A relay: forwards what it reads to the next port it is told, over loopback TCP. It holds
 * ~20 MB of objects, about the heap of one of the stack's services, because what a switch
 * into a process costs grows with the memory it has mapped.
 */
const RELAY = `const net = require('net');
globalThis.ballast = Array.from({ length: 200000 }, (_, i) => ({ i, s: 'x' + i }));
let out;
const srv = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => out.write(d)); });
srv.listen(0, '127.0.0.1', () => process.stdout.write(srv.address().port + '\\n'));
process.stdin.once('data', (d) => { out = net.connect(Number(d.toString()), '127.0.0.1', () => process.stdout.write('ok\\n')); out.setNoDelay(true); });`;

const line = (child: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });

/**
 * A ring of `processes` Node relays passes a 100-byte message around: back to back (every
 * relay stays busy), then one lap every `gapMs` (each relay sleeps between messages, as a
 * service does at a moderate rate). CPU per hop is what a service spends to receive and
 * send one message with no work in between: the floor under the stack's CPU per message,
 * which wakes gateway, NATS, message-store, PostgreSQL, presence and Redis, some twice.
 */
export async function measureSwitchCost(hot = 3000, paced = 300, gapMs = 5, processes = 4): Promise<SwitchCost> {
  const relays: ChildProcess[] = [];
  const head = createServer();
  try {
    const ring = await startRing(relays, head, processes);
    const h = await timeLaps(ring, hot, 0);
    const p = await timeLaps(ring, paced, gapMs);
    ring.first.destroy();
    return {
      processes,
      hops: { hot, paced },
      pacedGapMs: gapMs,
      usPerHopHot: h.usPerHop,
      usPerHopPaced: p.usPerHop,
      latencyUsPerHopHot: h.latency,
      latencyUsPerHopPaced: p.latency,
    };
  } finally {
    for (const r of relays) r.kill();
    head.close();
  }
}

/** The relays in a ring back to `head`, and one lap of the message around it. */
interface Ring {
  relays: ChildProcess[];
  /** The connection into the first relay. */
  first: Socket;
  lap: () => Promise<void>;
}

/** Starts `processes` relays (into `relays`, for the caller to kill), each forwarding to the next, the last to head. */
async function startRing(relays: ChildProcess[], head: Server, processes: number): Promise<Ring> {
  const ports: number[] = [];
  for (let i = 0; i < processes; i++) {
    const child = spawn(process.execPath, ['-e', RELAY], { stdio: ['pipe', 'pipe', 'inherit'] });
    relays.push(child);
    ports.push(Number(await line(child)));
  }
  let arrived: () => void = () => undefined;
  head.on('connection', (s) => s.on('data', () => arrived()));
  await new Promise<void>((resolve) => head.listen(0, '127.0.0.1', resolve));
  const headPort = (head.address() as { port: number }).port;
  for (let i = 0; i < processes; i++) {
    relays[i].stdin?.write(String(i + 1 < processes ? ports[i + 1] : headPort));
    await line(relays[i]);
  }
  const first = await new Promise<Socket>((resolve, reject) => {
    const s = connect(ports[0], '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  first.setNoDelay(true);
  const payload = Buffer.alloc(100, 120);
  const lap = () =>
    new Promise<void>((resolve) => {
      arrived = resolve;
      first.write(payload);
    });
  return { relays, first, lap };
}

/** After 100 laps to warm up, n laps `gap` ms apart: the relays' CPU and the wall time per hop. */
async function timeLaps({ relays, lap }: Ring, n: number, gap: number): Promise<{ usPerHop: number; latency: number }> {
  const processes = relays.length;
  for (let i = 0; i < 100; i++) await lap();
  const cpu0 = relays.map((r) => cpuOf(r.pid as number));
  let wallNs = 0n;
  for (let i = 0; i < n; i++) {
    if (gap > 0) await new Promise((r) => setTimeout(r, gap));
    const t = process.hrtime.bigint();
    await lap();
    wallNs += process.hrtime.bigint() - t;
  }
  const cpu = relays.reduce((sum, r, i) => sum + (cpuOf(r.pid as number) - cpu0[i]) * 1e6, 0);
  return {
    usPerHop: Math.round(cpu / n / processes),
    latency: Math.round(Number(wallNs / BigInt(n)) / 1e3 / (processes + 1)),
  };
}

/** CPU seconds of a process so far (0 once gone). */
function cpuOf(pid: number): number {
  return schedOf(pid)?.cpu ?? 0;
}
