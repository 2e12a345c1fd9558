import type { CpuScope } from '@parley/tools/proc-stats';
import type { Placement } from './partition';
import type { Population } from './population';
import type { Transport } from './transports';

export interface RunOptions {
  gatewayUrls: string[];
  /** socketio: one Socket.IO (WebSocket) connection per user; grpc: one gRPC channel + Connect stream per user. */
  transport: Transport;
  /** host:port of the gateways' gRPC edges (transport grpc), in the order of gatewayUrls. */
  grpcAddresses: string[];
  population: Population;
  senders: 'all' | 'first';
  /** Which gateway each user connects through: round-robin by user, or every chat's members on one (see Placement). */
  placement: Placement;
  /** A fixed list of offered rates (messages/s), or a ramp. */
  steps?: number[];
  ramp?: { start: number; factor: number; max: number; refine: number };
  stepDurationS: number;
  pauseMs: number;
  sloP99Ms: number;
  /** After a ramp: this many seconds at half the maximum rate that met the SLO. */
  thenHalfS?: number;
  holdS: number;
  /** Seconds at the first rate before measuring: JIT, pools and caches warm up (reported, never the max). */
  warmupS: number;
  bodyBytes: number;
  ackTimeoutMs: number;
  drainTimeoutMs: number;
  databaseUrl?: string;
  cpu: CpuScope;
  socketsPerWorker: number;
  workers: number;
  connectConcurrency: number;
  sourceAddresses: number;
  plantLostDeliveries: number;
  /** A step that misses the SLO while others' processes use more than this many cores is run again... */
  noisyOtherCores: number;
  /** ...at most this many times per run. */
  noisyRetries: number;
  /** Before each step, wait up to this long for other people's processes to quiet down. */
  quietWaitS: number;
  runId: string;
  /** Progress events (one JSON object each), e.g. printed as JSON lines. */
  onEvent: (event: Record<string, unknown>) => void;
}
