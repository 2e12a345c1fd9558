import type { SwitchCost } from './switch-cost';
import type { IngestResult } from './pg-ingest';
import type { StoreDriveResult } from './store-drive';
import type { SelfTime } from './flamegraph/profile';

/** The load generator's JSON summary, as tools/loadgen writes it. */
export type { LatencySummary as Latency, StepResult as Step, RunSummary } from '@parley/tools/load-report';
import type { RunSummary, StepResult } from '@parley/tools/load-report';

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
  /** The same 1:1 ramp and idle connections over each client edge of one stack, one after the other. */
  transports?: Partial<Record<'socketio' | 'grpc', { run: RunSummary; idle?: IdleMemory }>>;
  /** Phase scaleout: the 1:1 ramp of `parley` again, on a stack of two gateways and two message-stores. */
  scaleOut?: ScaleOut;
  /** BENCH_BASELINE: the same 1:1 ramp on an earlier commit's apps and on this checkout's, in turn. */
  beforeAfter?: BeforeAfter;
  /** BENCH_CPU_PROF: one more 1:1 step at the ramp's maximum rate with the V8 profiler on in every app. */
  maxRateProfile?: MaxRateProfile;
  notes: string[];
}

/** One ramp of the before/after comparison. */
export interface BeforeAfterRun {
  side: 'baseline' | 'current';
  round: number;
  summary: RunSummary;
}

export interface BeforeAfter {
  baseline: { ref: string; commit: string; title: string };
  current: { commit: string; title: string; uncommitted: boolean };
  runs: BeforeAfterRun[];
}

/** The profiled step at the 1:1 maximum rate, and the flame graphs of its busiest apps. */
export interface MaxRateProfile {
  /** The load generator's step: its CPU by process includes PostgreSQL, Redis, NATS and itself. */
  step: StepResult;
  /** The busiest apps in that step (most CPU first), each drawn as <flamegraph dir>/<name>.svg. */
  graphs: ProcessProfile[];
}

export interface ProcessProfile {
  name: string;
  /** CPU seconds per second of the step's sending time. */
  cores: number;
  durationS: number;
  samples: number;
  /** Share of the samples in which the process was idle (left out of the graph), 0..1. */
  idleShare: number;
  topSelf: SelfTime[];
}

/** The scale-out ramp, with the names its processes have in the steps' cpuSeconds. */
export interface ScaleOut {
  gateways: string[];
  stores: string[];
  /** Users round-robin over the gateways: both members of each pair on different ones (the target's run). */
  run: RunSummary;
  /** BENCH_SCALEOUT_SAME_GATEWAY: the same ramp on the same stack with both members of each chat on one gateway. */
  sameGateway?: RunSummary;
}
