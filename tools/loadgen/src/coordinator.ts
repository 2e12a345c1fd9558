import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { Histogram } from './histogram';
import type { Population } from './population';
import type { FromWorker, StepStats, ToWorker, WorkerChat, WorkerFinal, WorkerUser } from './protocol';
import type { RunSummary, StepResult } from '@parley/tools/load-report';
import { cpuDelta, machineCpu, runsDelta, sampleCpu, type CpuScope } from '@parley/tools/proc-stats';
import type { Transport } from './transports';
import { sampleWire, wireDelta, type WireSample } from './wire-bytes';

export interface RunOptions {
  gatewayUrls: string[];
  /** socketio: one Socket.IO (WebSocket) connection per user; grpc: one gRPC channel + Connect stream per user. */
  transport: Transport;
  /** host:port of the gateways' gRPC edges (transport grpc), in the order of gatewayUrls. */
  grpcAddresses: string[];
  population: Population;
  senders: 'all' | 'first';
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

const LOADGEN = 'loadgen';

class WorkerHandle {
  private waiters: { expect: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (err: Error) => void }[] =
    [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromWorker) => {
      const w = this.waiters.shift();
      if (!w) return;
      if (m.type === 'error') w.reject(new Error(`load worker failed: ${m.message}`));
      else if (m.type !== w.expect) w.reject(new Error(`load worker answered ${m.type}, expected ${w.expect}`));
      else w.resolve(m);
    });
    child.on('exit', (code, signal) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`load worker exited (${signal ?? code})`));
    });
  }

  request<T extends FromWorker['type']>(msg: ToWorker, expect: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ expect, resolve: (m) => resolve(m as Extract<FromWorker, { type: T }>), reject });
      this.child.send(msg);
    });
  }
}

/** Splits the population so that every chat lives wholly inside one worker. */
function partition(options: RunOptions): { users: WorkerUser[]; chats: WorkerChat[] }[] {
  const { population: pop } = options;
  const count = Math.max(options.workers, Math.ceil(pop.users.length / options.socketsPerWorker), 1);
  const parts = Array.from({ length: count }, () => ({
    users: [] as WorkerUser[],
    chats: [] as WorkerChat[],
    local: new Map<number, number>(),
  }));
  const placed = new Set<number>();
  const userOf = (global: number): WorkerUser => {
    const u = pop.users[global];
    const addr = options.sourceAddresses > 1 ? `127.0.0.${1 + (global % options.sourceAddresses)}` : undefined;
    return {
      id: u.id,
      token: u.token,
      gatewayUrl: options.gatewayUrls[global % options.gatewayUrls.length],
      grpcAddress: options.grpcAddresses.length
        ? options.grpcAddresses[global % options.grpcAddresses.length]
        : undefined,
      localAddress: addr,
    };
  };
  const perWorker = Math.ceil(pop.users.length / count);
  let w = 0;
  for (const chat of pop.chats) {
    if (parts[w].users.length + chat.members.length > perWorker && w < count - 1 && parts[w].users.length > 0) w++;
    const part = parts[w];
    const members = chat.members.map((m) => {
      let local = part.local.get(m);
      if (local === undefined) {
        local = part.users.length;
        part.local.set(m, local);
        part.users.push(userOf(m));
        placed.add(m);
      }
      return local;
    });
    part.chats.push({ id: chat.id, members, senders: options.senders === 'all' ? members : members.slice(0, 1) });
  }
  // Users in no chat still connect (idle sockets).
  pop.users.forEach((_, i) => {
    if (placed.has(i)) return;
    const part = parts.reduce((a, b) => (a.users.length <= b.users.length ? a : b));
    part.users.push(userOf(i));
  });
  return parts.filter((p) => p.users.length > 0).map(({ users, chats }) => ({ users, chats }));
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export async function runLoad(options: RunOptions): Promise<RunSummary> {
  const run = new LoadRun(options);
  try {
    const summary = await run.connect();
    if (options.holdS > 0) {
      await new Promise((r) => setTimeout(r, options.holdS * 1000));
      options.onEvent({ event: 'held', seconds: options.holdS });
    }
    const firstRate = options.ramp?.start ?? options.steps?.[0];
    if (options.warmupS > 0 && firstRate) await run.step(firstRate, 'warmup', options.warmupS);
    if (options.ramp) await run.ramp(options.ramp);
    else for (const rate of options.steps ?? []) await run.step(rate, 'fixed');
    const finals = await run.finals();
    summary.totals = totals(summary.steps, finals);
    summary.zeroLoss = summary.totals.lost === 0;
    return summary;
  } finally {
    await run.close();
  }
}

/** One run of the load generator: its worker processes, the CPU they and the measured system use, its steps. */
class LoadRun {
  private readonly parts: { users: WorkerUser[]; chats: WorkerChat[] }[];
  private readonly workers: WorkerHandle[];
  private readonly cpuScope: CpuScope;
  private readonly senderShare: number[];
  private readonly totalSenders: number;
  private summary!: RunSummary;
  private stepNo = 0;
  private retriesLeft: number;
  /** The ports whose connections are the users' (their bytes are counted per step). */
  private readonly wirePorts: number[];

  constructor(private readonly options: RunOptions) {
    this.parts = partition(options);
    this.workers = this.parts.map(
      () => new WorkerHandle(fork(process.argv[1], ['__worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })),
    );
    this.cpuScope = {
      ...options.cpu,
      pids: { ...options.cpu.pids, [LOADGEN]: [process.pid, ...this.workers.map((w) => w.child.pid as number)] },
    };
    this.senderShare = this.parts.map((p) => p.chats.reduce((n, c) => n + c.senders.length, 0));
    this.totalSenders = this.senderShare.reduce((a, b) => a + b, 0);
    this.retriesLeft = options.noisyRetries;
    const endpoints =
      options.transport === 'grpc' ? options.grpcAddresses.map((a) => `http://${a}`) : options.gatewayUrls;
    this.wirePorts = [...new Set(endpoints.map((u) => Number(new URL(u).port) || 80))];
  }

  /** Gives each worker its share of the population and waits until its sockets are connected. */
  async connect(): Promise<RunSummary> {
    const { options, workers } = this;
    const ready = await Promise.all(
      workers.map((w, i) =>
        w.request(
          {
            type: 'init',
            runId: options.runId,
            transport: options.transport,
            users: this.parts[i].users,
            chats: this.parts[i].chats,
            bodyBytes: options.bodyBytes,
            connectConcurrency: Math.max(1, Math.ceil(options.connectConcurrency / workers.length)),
            ackTimeoutMs: options.ackTimeoutMs,
            plantLostDeliveries: i === 0 ? options.plantLostDeliveries : 0,
          },
          'ready',
        ),
      ),
    );
    this.summary = {
      runId: options.runId,
      users: options.population.users.length,
      chats: options.population.chats.length,
      connected: ready.reduce((n, r) => n + r.connected, 0),
      connectFailed: ready.reduce((n, r) => n + r.failed, 0),
      connectFailures: ready.flatMap((r) => r.failures).slice(0, 5),
      connectMs: Math.max(...ready.map((r) => r.connectMs)),
      workers: workers.length,
      transport: options.transport,
      steps: [],
      totals: {} as RunSummary['totals'],
      zeroLoss: false,
    };
    const s = this.summary;
    options.onEvent({
      event: 'connected',
      connected: s.connected,
      failed: s.connectFailed,
      failures: s.connectFailures,
      connectMs: s.connectMs,
      workers: workers.length,
    });
    return s;
  }

  /**
   * Ramps the offered rate up to the ceiling (the best step that met the SLO), refines
   * between it and the first miss, then runs at half the ceiling.
   */
  async ramp({ start, factor, max, refine }: NonNullable<RunOptions['ramp']>): Promise<void> {
    let { best, failRate } = await this.rampUp(start, factor, max);
    // The start was already past the ceiling: step down until a rate holds (a slower run or machine).
    for (let rate = Math.round(start / factor); !best && rate >= start / 16; rate = Math.round(rate / factor)) {
      const r = await this.step(rate, 'ramp');
      if (r.meetsSlo) best = r;
      else failRate = rate;
    }
    for (let i = 0; i < refine && best && failRate !== undefined && failRate > best.offeredRate * 1.04; i++) {
      const rate = Math.round(Math.sqrt(best.offeredRate * failRate));
      const r = await this.step(rate, 'refine');
      if (r.meetsSlo) {
        if (r.deliveredMsgsPerSec > best.deliveredMsgsPerSec) best = r;
      } else failRate = rate;
    }
    this.summary.max = best;
    if (best && this.options.thenHalfS)
      this.summary.half = await this.step(Math.round(best.deliveredMsgsPerSec / 2), 'half', this.options.thenHalfS);
  }

  private async rampUp(start: number, factor: number, max: number): Promise<{ best?: StepResult; failRate?: number }> {
    let best: StepResult | undefined;
    let failRate: number | undefined;
    let fails = 0;
    for (let rate = start; rate <= max; rate = Math.round(rate * factor)) {
      const r = await this.step(rate, 'ramp');
      if (r.meetsSlo) {
        fails = 0;
        if (!best || r.deliveredMsgsPerSec > best.deliveredMsgsPerSec) best = r;
      } else {
        failRate = failRate === undefined || rate < failRate ? rate : failRate;
        // Two failing steps in a row, or far past the SLO: the ceiling is behind us.
        if (++fails >= 2 || r.e2e.p99Ms > this.options.sloP99Ms * 10 || r.deliveredMsgsPerSec < 0.8 * rate) break;
      }
    }
    return { best, failRate };
  }

  /**
   * One step; when it misses the SLO while other people's processes took a share of
   * the machine, it is kept (marked `disturbed`) and run again, a few times per run.
   */
  async step(rate: number, phase: StepResult['phase'], durationS = this.options.stepDurationS): Promise<StepResult> {
    const { options } = this;
    for (;;) {
      if (options.quietWaitS > 0) await this.waitForQuiet();
      const result = await this.runOnce(rate, phase, durationS);
      if (
        result.meetsSlo ||
        phase === 'warmup' ||
        result.otherCores <= options.noisyOtherCores ||
        this.retriesLeft <= 0
      )
        return result;
      this.retriesLeft--;
      result.disturbed = true;
      options.onEvent({ event: 'retry', step: result.step, otherCores: result.otherCores });
    }
  }

  /**
   * On a shared machine: before a step, wait (up to quietWaitS) until other people's
   * processes use less than noisyOtherCores, measured over 2 s.
   */
  private async waitForQuiet(): Promise<void> {
    const deadline = Date.now() + this.options.quietWaitS * 1000;
    for (let first = true; ; first = false) {
      const cpu0 = sampleCpu(this.cpuScope);
      const m0 = machineCpu();
      await new Promise((r) => setTimeout(r, 2000));
      const ours = Object.values(cpuDelta(cpu0, sampleCpu(this.cpuScope))).reduce((a, b) => a + b, 0);
      const others = Math.max(0, machineCpu().busy - m0.busy - ours) / 2;
      if (others <= this.options.noisyOtherCores || Date.now() > deadline) return;
      if (first) this.options.onEvent({ event: 'waiting', otherCores: round(others, 2) });
    }
  }

  private async runOnce(rate: number, phase: StepResult['phase'], durationS: number): Promise<StepResult> {
    const { options } = this;
    const step = this.stepNo++;
    const durationMs = durationS * 1000;
    const startAtMs = Date.now() + 200;
    const wireBefore = sampleWire(this.wirePorts);
    const cpuBefore = sampleCpu(this.cpuScope);
    const machineBefore = machineCpu();
    const wallBefore = performance.now();
    const results = await Promise.all(
      this.workers.map((w, i) =>
        w.request(
          {
            type: 'step',
            step,
            rate: this.totalSenders ? (rate * this.senderShare[i]) / this.totalSenders : 0,
            durationMs,
            startAtMs,
            drainTimeoutMs: options.drainTimeoutMs,
          },
          'stepDone',
        ),
      ),
    );
    const cpuAfter = sampleCpu(this.cpuScope);
    const wireAfter = sampleWire(this.wirePorts);
    const cpu = cpuDelta(cpuBefore, cpuAfter);
    const runs = runsDelta(cpuBefore, cpuAfter);
    const machineAfter = machineCpu();
    const wallS = (performance.now() - wallBefore) / 1000;
    const busyCores = (machineAfter.busy - machineBefore.busy) / wallS;
    const oursCores = Object.values(cpu).reduce((a, b) => a + b, 0) / wallS;
    const result = mergeStep(
      step,
      phase,
      rate,
      durationS,
      results.map((r) => r.stats),
      cpu,
      runs,
      options.sloP99Ms,
      {
        machineBusyCores: round(busyCores, 2),
        otherCores: round(Math.max(0, busyCores - oursCores), 2),
      },
      wireBefore && wireAfter ? { before: wireBefore, after: wireAfter } : undefined,
    );
    this.summary.steps.push(result);
    options.onEvent({ event: 'step', ...result });
    if (options.pauseMs > 0) await new Promise((r) => setTimeout(r, options.pauseMs));
    return result;
  }

  /** Each worker's loss ledger, after its stragglers, reconnections and store check. */
  async finals(): Promise<WorkerFinal[]> {
    return (
      await Promise.all(
        this.workers.map((w) => w.request({ type: 'finish', databaseUrl: this.options.databaseUrl }, 'final')),
      )
    ).map((f) => f.final);
  }

  async close(): Promise<void> {
    for (const w of this.workers) {
      if (w.child.connected) w.child.send({ type: 'close' });
    }
    await Promise.all(
      this.workers.map((w) => (w.child.exitCode === null ? new Promise((r) => w.child.once('exit', r)) : undefined)),
    );
  }
}

function mergeStep(
  step: number,
  phase: StepResult['phase'],
  rate: number,
  durationS: number,
  stats: StepStats[],
  cpu: Record<string, number>,
  runs: Record<string, number>,
  sloP99Ms: number,
  machine: { machineBusyCores: number; otherCores: number },
  wire?: { before: WireSample; after: WireSample },
): StepResult {
  const ack = new Histogram();
  const e2e = new Histogram();
  const errors: Record<string, number> = {};
  const sum = (f: (s: StepStats) => number) => stats.reduce((n, s) => n + f(s), 0);
  for (const s of stats) {
    ack.merge(s.ack);
    e2e.merge(s.e2e);
    for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
  }
  const acked = sum((s) => s.acked);
  const expected = sum((s) => s.expectedDeliveries);
  const deliveries = sum((s) => s.deliveries);
  const sent = sum((s) => s.sent);
  const serverCpu = Object.entries(cpu).reduce((n, [name, s]) => (name === LOADGEN ? n : n + s), 0);
  const deliveredMsgsPerSec = expected > 0 ? (acked * Math.min(1, deliveries / expected)) / durationS : 0;
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const timeouts = sum((s) => s.timeouts);
  const e2eSummary = e2e.summary();
  let why: string | undefined;
  if (errorCount > 0) why = `${errorCount} error acks`;
  else if (timeouts > 0) why = `${timeouts} ack timeouts`;
  else if (!stats.every((s) => s.drained)) why = 'deliveries still missing at the drain timeout';
  else if (sent < 0.98 * rate * durationS)
    why = `only ${sent} of ${Math.round(rate * durationS)} offered messages were sent (load generator saturated)`;
  else if (e2eSummary.p99Ms > sloP99Ms) why = `e2e p99 ${e2eSummary.p99Ms} ms > ${sloP99Ms} ms`;
  return {
    step,
    phase,
    offeredRate: rate,
    durationS,
    sent,
    acked,
    errors,
    timeouts,
    expectedDeliveries: expected,
    deliveries,
    duplicates: sum((s) => s.duplicates),
    ackedPerSec: round(acked / durationS),
    deliveredMsgsPerSec: round(deliveredMsgsPerSec),
    deliveriesPerSec: round(deliveries / durationS),
    ack: ack.summary(),
    e2e: e2eSummary,
    maxSendLagMs: round(Math.max(...stats.map((s) => s.maxSendLagMs))),
    drained: stats.every((s) => s.drained),
    drainMs: Math.max(...stats.map((s) => s.drainMs)),
    cpuSeconds: cpu,
    schedules: runs,
    cpuUsPerMessage: acked > 0 ? round((serverCpu * 1e6) / acked) : 0,
    ...machine,
    loadAvg1m: round(loadavg()[0], 2),
    meetsSlo: why === undefined,
    why,
    wire: wire ? wireDelta(wire.before, wire.after, acked) : undefined,
  };
}

function totals(steps: StepResult[], finals: WorkerFinal[]): RunSummary['totals'] {
  const errors: Record<string, number> = {};
  for (const s of steps) for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
  const lostDeliveries = finals.reduce((n, f) => n + f.loss.lostDeliveries, 0);
  const hasStore = finals.every((f) => f.store);
  const lostInStore = hasStore ? finals.reduce((n, f) => n + (f.store?.missing ?? 0), 0) : null;
  return {
    sent: steps.reduce((n, s) => n + s.sent, 0),
    acked: finals.reduce((n, f) => n + f.loss.ackedMessages, 0),
    delivered: finals.reduce((n, f) => n + f.loss.delivered, 0),
    expectedDeliveries: finals.reduce((n, f) => n + f.loss.expectedDeliveries, 0),
    lost: lostDeliveries + (lostInStore ?? 0),
    lostDeliveries,
    lostInStore,
    storeChecked: hasStore ? finals.reduce((n, f) => n + (f.store?.checked ?? 0), 0) : null,
    duplicates: finals.reduce((n, f) => n + f.loss.duplicates, 0),
    outOfOrder: finals.reduce((n, f) => n + f.loss.outOfOrder, 0),
    echoes: finals.reduce((n, f) => n + f.loss.echoes, 0),
    receivedNotAcked: finals.reduce((n, f) => n + f.loss.receivedNotAcked, 0),
    errors,
    timeouts: steps.reduce((n, s) => n + s.timeouts, 0),
    disconnects: finals.reduce((n, f) => n + f.disconnects, 0),
    reconnected: finals.reduce((n, f) => n + f.reconnected, 0),
    recoveredByReplay: finals.reduce((n, f) => n + f.replayed, 0),
    lossExamples: finals.flatMap((f) => [...f.loss.examples, ...(f.store?.examples ?? [])]).slice(0, 10),
  };
}
