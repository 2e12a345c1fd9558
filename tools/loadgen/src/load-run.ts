import { fork } from 'node:child_process';
import type { RunSummary, StepResult } from '@parley/tools/load-report';
import { cpuDelta, machineCpu, runsDelta, sampleCpu, type CpuScope } from '@parley/tools/proc-stats';
import { partition, type WorkerPart } from './partition';
import type { WorkerFinal } from './protocol';
import type { RunOptions } from './run-options';
import { LOADGEN, mergeStep, round } from './step-result';
import { sampleWire } from './wire-bytes';
import { WorkerHandle } from './worker-handle';

/** One run of the load generator: its worker processes, the CPU they and the measured system use, its steps. */
export class LoadRun {
  private readonly parts: WorkerPart[];
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
      results.map((r) => r.stats),
      {
        step,
        phase,
        rate,
        durationS,
        cpu,
        runs,
        sloP99Ms: options.sloP99Ms,
        machine: { machineBusyCores: round(busyCores, 2), otherCores: round(Math.max(0, busyCores - oursCores), 2) },
        wire: wireBefore && wireAfter ? { before: wireBefore, after: wireAfter } : undefined,
      },
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
