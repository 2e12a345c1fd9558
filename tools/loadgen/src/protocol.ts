import type { StepCounts } from '@parley/tools/load-report';
import type { LossReport } from './delivery-ledger';
import type { HistogramJson } from './histogram';
import type { StoreCheck } from './store-check';
import type { Transport } from './transports';

/** A chat as one worker sees it: all its members live in that worker. */
export interface WorkerChat {
  id: string;
  /** Worker-local user indexes. */
  members: number[];
  /** Members that send during steps. */
  senders: number[];
}

export interface WorkerUser {
  id: string;
  token: string;
  gatewayUrl: string;
  /** host:port of the gateway's gRPC edge, with --transport grpc. */
  grpcAddress?: string;
  localAddress?: string;
}

export interface WorkerInit {
  type: 'init';
  runId: string;
  transport: Transport;
  users: WorkerUser[];
  chats: WorkerChat[];
  bodyBytes: number;
  connectConcurrency: number;
  ackTimeoutMs: number;
  /** Test hook: drop this many received messages before recording them (must show up as lost). */
  plantLostDeliveries: number;
}

export interface WorkerStep {
  type: 'step';
  step: number;
  /** This worker's share of the offered rate, messages per second. */
  rate: number;
  durationMs: number;
  /** Wall-clock start (ms since the epoch), the same for every worker. */
  startAtMs: number;
  drainTimeoutMs: number;
}

export interface WorkerFinish {
  type: 'finish';
  databaseUrl?: string;
}

export type ToWorker = WorkerInit | WorkerStep | WorkerFinish | { type: 'close' };

/** One worker's counts of a step, with its latency histograms (the coordinator merges them). */
export interface StepStats extends StepCounts {
  ack: HistogramJson;
  e2e: HistogramJson;
}

export interface WorkerFinal {
  loss: LossReport;
  store?: StoreCheck;
  disconnects: number;
  /** Users reconnected after their socket dropped, and the messages their replay brought. */
  reconnected: number;
  replayed: number;
}

export type FromWorker =
  | { type: 'ready'; connected: number; failed: number; failures: string[]; connectMs: number }
  | { type: 'stepDone'; stats: StepStats }
  | { type: 'final'; final: WorkerFinal }
  | { type: 'error'; message: string };
