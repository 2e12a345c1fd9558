import { execFileSync } from 'node:child_process';

/** TCP payload bytes and data segments of one connection, from its client's side. */
interface ConnCounters {
  up: number;
  down: number;
  segsUp: number;
  segsDown: number;
}

/** What the connections to the measured ports carried during a step, counted on the client side. */
export interface WireBytes {
  /** Client to server: TCP payload (WebSocket frames, or HTTP/2 frames with HPACK headers), no TCP/IP headers. */
  bytesUp: number;
  bytesDown: number;
  /** TCP segments carrying data, both ways (each also costs a TCP/IP header on a real network). */
  dataSegments: number;
  connections: number;
  /** (bytesUp + bytesDown) per acked message. */
  bytesPerMessage: number;
}

export type WireSample = Map<string, ConnCounters>;

const num = (line: string, key: string): number => Number(new RegExp(`\\b${key}:(\\d+)`).exec(line)?.[1] ?? 0);

/**
 * The kernel's counters (`ss -ti`, Linux) of every established TCP connection to one of the
 * ports, by connection; undefined where ss is missing.
 */
export function sampleWire(ports: number[]): WireSample | undefined {
  if (ports.length === 0) return undefined;
  let out: string;
  try {
    const filter = `( ${ports.map((p) => `dport = :${p}`).join(' or ')} )`;
    out = execFileSync('ss', ['-tinH', 'state', 'established', filter], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
  return parseSs(out);
}

/** ss -tinH output: a line with the addresses, then an indented line with the counters. */
export function parseSs(out: string): WireSample {
  const conns: WireSample = new Map();
  let key: string | undefined;
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    if (!/^\s/.test(line)) {
      const cols = line.trim().split(/\s+/);
      key = cols.slice(-2).join(' ');
      continue;
    }
    if (!key) continue;
    conns.set(key, {
      up: num(line, 'bytes_sent'),
      down: num(line, 'bytes_received'),
      segsUp: num(line, 'data_segs_out'),
      segsDown: num(line, 'data_segs_in'),
    });
    key = undefined;
  }
  return conns;
}

/** What the connections carried between two samples (a connection new since `before` counts whole). */
export function wireDelta(before: WireSample, after: WireSample, acked: number): WireBytes {
  let bytesUp = 0;
  let bytesDown = 0;
  let dataSegments = 0;
  for (const [key, a] of after) {
    const b = before.get(key) ?? { up: 0, down: 0, segsUp: 0, segsDown: 0 };
    bytesUp += a.up - b.up;
    bytesDown += a.down - b.down;
    dataSegments += a.segsUp - b.segsUp + (a.segsDown - b.segsDown);
  }
  return {
    bytesUp,
    bytesDown,
    dataSegments,
    connections: after.size,
    bytesPerMessage: acked > 0 ? Math.round(((bytesUp + bytesDown) / acked) * 10) / 10 : 0,
  };
}
