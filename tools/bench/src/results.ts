import type { SwitchCost } from './switch-cost';
import type { IngestResult } from './pg-ingest';
import type { StoreDriveResult } from './store-drive';

/** The parts of the load generator's JSON summary the bench reads (tools/loadgen/src/coordinator.ts). */
export interface Latency {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface Step {
  step: number;
  phase: string;
  offeredRate: number;
  durationS: number;
  sent: number;
  acked: number;
  errors: Record<string, number>;
  timeouts: number;
  deliveries: number;
  expectedDeliveries: number;
  ackedPerSec: number;
  deliveredMsgsPerSec: number;
  deliveriesPerSec: number;
  ack: Latency;
  e2e: Latency;
  maxSendLagMs: number;
  cpuSeconds: Record<string, number>;
  /** Times each process's threads were put on a CPU during the step (absent in runs before it was recorded). */
  schedules?: Record<string, number>;
  cpuUsPerMessage: number;
  machineBusyCores: number;
  otherCores: number;
  loadAvg1m: number;
  meetsSlo: boolean;
  why?: string;
  disturbed?: boolean;
}

export interface RunSummary {
  users: number;
  chats: number;
  connected: number;
  connectFailed: number;
  connectFailures: string[];
  connectMs: number;
  workers: number;
  steps: Step[];
  max?: Step;
  half?: Step;
  totals: {
    sent: number;
    acked: number;
    delivered: number;
    expectedDeliveries: number;
    lost: number;
    lostDeliveries: number;
    lostInStore: number | null;
    storeChecked: number | null;
    duplicates: number;
    outOfOrder: number;
    echoes: number;
    errors: Record<string, number>;
    timeouts: number;
    disconnects: number;
    reconnected?: number;
    recoveredByReplay?: number;
    lossExamples: string[];
  };
  zeroLoss: boolean;
}

export interface IdleMemory {
  sockets: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  heapPerSocketBytes: number;
  rssPerSocketBytes: number;
  /** CPU per connected, idle socket per second (pings, presence heartbeats), µs, by process. */
  idleCpuUsPerSocketSecond?: Record<string, number>;
  /** Growth of Redis' used_memory per connected socket (presence entries), bytes. */
  redisBytesPerSocket?: number;
}

/** What the 1:1 run wrote to PostgreSQL. */
export interface StorageFootprint {
  messages: number;
  /** messages partitions with their indexes, per stored message. */
  bytesPerMessage: number;
  /** WAL written during the run (the whole server: others' writes count too), per acked message. */
  walBytesPerMessage: number;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  redis: string;
  nats: string;
  fdLimit: number;
  /** What one hop between two processes costs here (tools/bench/src/switch-cost.ts). */
  switchCost?: SwitchCost;
}

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  scale: string;
  machine: Machine;
  loadAvg: { phase: string; at: string; load1: number; load5: number; load15: number }[];
  config: Record<string, unknown>;
  ingest?: IngestResult[];
  relay?: RunSummary;
  relayIdle?: IdleMemory;
  store?: StoreDriveResult;
  parley?: RunSummary;
  group?: RunSummary;
  parleyIdle?: IdleMemory;
  storage?: StorageFootprint;
  /** Connected users each sending a message every idleSendIntervalS seconds, on one gateway. */
  crowd?: RunSummary & { intervalS: number; gatewayFdLimit: number };
  notes: string[];
}
