/**
 * The load generator's JSON summary (tools/loadgen writes it, tools/bench reads and reports it):
 * one definition for both.
 */
export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** What one step counted: per worker in the load generator, summed over its workers in StepResult. */
export interface StepCounts {
  step: number;
  sent: number;
  acked: number;
  errors: Record<string, number>;
  timeouts: number;
  expectedDeliveries: number;
  deliveries: number;
  duplicates: number;
  /** Worst lag of the send loop behind its schedule (ms): above a few ms, the load generator itself is saturated. */
  maxSendLagMs: number;
  /** Time from the step's end until every ack and delivery was in (or the drain timed out). */
  drainMs: number;
  drained: boolean;
}

export interface StepResult extends StepCounts {
  phase: 'warmup' | 'ramp' | 'refine' | 'fixed' | 'half';
  offeredRate: number;
  durationS: number;
  ackedPerSec: number;
  /** Acked messages whose every recipient got them, per second of the step. */
  deliveredMsgsPerSec: number;
  deliveriesPerSec: number;
  ack: LatencySummary;
  e2e: LatencySummary;
  cpuSeconds: Record<string, number>;
  /** Times each process's threads were put on a CPU (wake-ups and preemptions); absent in runs before it was recorded. */
  schedules?: Record<string, number>;
  /** CPU of the measured system (everything but the load generator) per acked message, µs. */
  cpuUsPerMessage: number;
  /** Cores busy on the whole machine during the step, and how many of them were not ours (other people's work). */
  machineBusyCores: number;
  otherCores: number;
  loadAvg1m: number;
  meetsSlo: boolean;
  why?: string;
  /** Missed the SLO while other processes on the machine were busy: run again, not counted. */
  disturbed?: boolean;
  /**
   * Bytes the users' connections carried during the step, from the kernel's per-connection
   * counters on the client side (ss -ti): TCP payload both ways; absent where ss is missing.
   */
  wire?: {
    bytesUp: number;
    bytesDown: number;
    dataSegments: number;
    connections: number;
    bytesPerMessage: number;
  };
}

export interface RunSummary {
  runId: string;
  users: number;
  chats: number;
  connected: number;
  connectFailed: number;
  connectFailures: string[];
  connectMs: number;
  workers: number;
  /** The client edge driven (absent in runs before it was recorded: Socket.IO). */
  transport?: 'socketio' | 'grpc';
  steps: StepResult[];
  /** The step with the highest delivered rate that met the SLO (ramp runs). */
  max?: StepResult;
  half?: StepResult;
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
    receivedNotAcked: number;
    errors: Record<string, number>;
    timeouts: number;
    disconnects: number;
    /** Recipients whose socket dropped, reconnected at the end; deliveries their replay brought (absent in older runs). */
    reconnected?: number;
    recoveredByReplay?: number;
    lossExamples: string[];
  };
  zeroLoss: boolean;
}
