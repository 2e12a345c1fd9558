import { dirname } from 'node:path';

/**
 * Every knob of `npm run bench`, from the environment (BENCH_*). BENCH_SCALE=quick
 * shrinks the defaults (~3 minutes); tiny is for the tooling's own test (seconds of load).
 */
export interface BenchConfig {
  scale: 'full' | 'quick' | 'tiny';
  phases: Set<Phase>;
  /** Seconds per ramp step. */
  stepSeconds: number;
  rampStart: number;
  rampFactor: number;
  rampMax: number;
  refine: number;
  sloP99Ms: number;
  halfSeconds: number;
  warmupSeconds: number;
  /** Users in the 1:1 runs (pairs). */
  pairUsers: number;
  bodyBytes: number;
  ingestSeconds: number;
  ingestConnections: number[];
  storeSeconds: number;
  storeInFlight: number;
  /** Appends per request in the message-store drive: a gateway sends at most 16 chats a request (AppendBatchLimits), so 16 for 1:1 chats. */
  storeItemsPerRequest: number;
  groupSize: number;
  groupRate: number;
  groupSeconds: number;
  /** Users of the idle-memory and "20,000 users" run; capped by the open-files limit. */
  idleUsers: number;
  idleHoldSeconds: number;
  idleSendSeconds: number;
  /** Each idle user sends one message every this many seconds. */
  idleSendIntervalS: number;
  /** Phase scaleout: after the straddled ramp, the same ramp with each chat's members on one gateway. */
  scaleOutSameGateway: boolean;
  /** Idle connections of each transport in the Socket.IO vs gRPC comparison. */
  transportIdleUsers: number;
  messagePartitions: number;
  out: string;
  scalingOut: string;
  chartOut: string;
  jsonOut: string;
  /** BENCH_CPU_PROF=1: a profiled step at the 1:1 maximum rate, flame graphs of its busiest apps into flamegraphDir. */
  cpuProfile: boolean;
  flamegraphDir: string;
  /** Longest wait for a quiet machine before each phase and step (a shared machine). */
  quietWaitSeconds: number;
  /** BENCH_BASELINE: a git ref whose apps run the same 1:1 ramp as this checkout's, in turn (phase compare). */
  baseline?: string;
  /** Ramps of each side in the before/after comparison (baseline, this checkout, baseline, ...). */
  baselineRounds: number;
}

export type Phase = 'ingest' | 'relay' | 'store' | 'parley' | 'group' | 'idle' | 'transport' | 'scaleout' | 'compare';
const ALL_PHASES: Phase[] = ['ingest', 'relay', 'store', 'parley', 'group', 'idle', 'transport', 'scaleout', 'compare'];

export function loadBenchConfig(env: NodeJS.ProcessEnv, root: string): BenchConfig {
  const scale = env['BENCH_SCALE'] === 'quick' ? 'quick' : env['BENCH_SCALE'] === 'tiny' ? 'tiny' : 'full';
  const n = (name: string, full: number, quick: number, tiny = quick): number => {
    const raw = env[`BENCH_${name}`];
    if (raw === undefined || raw === '') return scale === 'full' ? full : scale === 'quick' ? quick : tiny;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new Error(`BENCH_${name} must be a non-negative number, got ${raw}`);
    return v;
  };
  const phases = new Set<Phase>(
    (env['BENCH_PHASES'] ? env['BENCH_PHASES'].split(',').map((p) => p.trim()) : ALL_PHASES).map((p) => {
      if (!ALL_PHASES.includes(p as Phase))
        throw new Error(`BENCH_PHASES: unknown phase ${p} (${ALL_PHASES.join(', ')})`);
      return p as Phase;
    }),
  );
  return {
    scale,
    phases,
    stepSeconds: n('STEP_SECONDS', 15, 3, 1),
    rampStart: n('RAMP_START', 1000, 200, 40),
    rampFactor: n('RAMP_FACTOR', 1.4, 2, 2),
    rampMax: n('RAMP_MAX', 60000, 3200, 80),
    refine: n('REFINE', 2, 0, 0),
    sloP99Ms: n('SLO_P99_MS', 100, 100, 100),
    halfSeconds: n('HALF_SECONDS', 20, 4, 1),
    warmupSeconds: n('WARMUP_SECONDS', 5, 2, 0),
    pairUsers: n('PAIR_USERS', 1000, 100, 20),
    bodyBytes: n('BODY_BYTES', 100, 100, 100),
    ingestSeconds: n('INGEST_SECONDS', 5, 1, 0.3),
    ingestConnections: (env['BENCH_INGEST_CONNECTIONS'] ?? (scale === 'full' ? '1,4' : scale === 'quick' ? '2' : '1'))
      .split(',')
      .map(Number),
    storeSeconds: n('STORE_SECONDS', 10, 2, 1),
    storeInFlight: n('STORE_IN_FLIGHT', 1000, 200, 20),
    storeItemsPerRequest: n('STORE_ITEMS_PER_REQUEST', 16, 16, 5),
    groupSize: n('GROUP_SIZE', 1024, 64, 8),
    groupRate: n('GROUP_RATE', 10, 5, 2),
    groupSeconds: n('GROUP_SECONDS', 10, 3, 1),
    idleUsers: n('IDLE_USERS', 20000, 400, 20),
    idleHoldSeconds: n('IDLE_HOLD_SECONDS', 10, 3, 3),
    idleSendSeconds: n('IDLE_SEND_SECONDS', 40, 5, 1),
    idleSendIntervalS: n('IDLE_SEND_INTERVAL_S', 10, 10, 10),
    // Off for tiny: the tooling's own test stays short.
    scaleOutSameGateway: n('SCALEOUT_SAME_GATEWAY', 1, 1, 0) > 0,
    transportIdleUsers: n('TRANSPORT_IDLE_USERS', 2000, 200, 10),
    messagePartitions: n('MESSAGE_PARTITIONS', 16, 4, 4),
    out: env['BENCH_OUT'] ?? `${root}/docs/benchmarks.md`,
    scalingOut:
      env['BENCH_SCALING_OUT'] ??
      (env['BENCH_OUT'] ? `${dirname(env['BENCH_OUT'])}/scaling.md` : `${root}/docs/scaling.md`),
    chartOut: env['BENCH_CHART_OUT'] ?? `${root}/docs/benchmarks-latency.svg`,
    jsonOut: env['BENCH_JSON_OUT'] ?? `${root}/.parley/bench/last-run.json`,
    cpuProfile: env['BENCH_CPU_PROF'] === '1',
    flamegraphDir: env['BENCH_FLAMEGRAPH_DIR'] ?? `${root}/docs/flamegraphs`,
    quietWaitSeconds: n('QUIET_WAIT_SECONDS', 30, 10, 0),
    baseline: env['BENCH_BASELINE'] || undefined,
    baselineRounds: Math.max(1, n('BASELINE_ROUNDS', 1, 1)),
  };
}
