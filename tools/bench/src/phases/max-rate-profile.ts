import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT as ROOT } from '@parley/shared/testing';
import { flameProfile, topSelfTime, type CpuProfile } from '../flamegraph/profile';
import { sourceLocator } from '../flamegraph/source-locations';
import { flameGraphSvg } from '../flamegraph/svg';
import { runLoadgen } from '../loadgen-runner';
import { log, sleep } from '../log';
import { processCores } from '../report/scale-out-figures';
import type { ProcessProfile, RunSummary } from '../results';
import type { BenchContext } from './context';
import { logProgress } from './loadgen-args';
import type { ParleyRun } from './parley-run';

/** The profiles of this step are <app>-<pid>-max-rate.cpuprofile in the probe's folder. */
const LABEL = 'max-rate';
/** Flame graphs of this many of the busiest apps. */
const GRAPHED = 3;

/**
 * BENCH_CPU_PROF: one more step of the same 1:1 load, at the ramp's maximum rate, with the V8
 * profiler on in every app (only there: profiling costs CPU, so the ramp runs without it), then
 * flame graphs of the apps that used the most CPU in that step. PostgreSQL, Redis and NATS are
 * measured (the step's CPU by process) but cannot be profiled this way.
 */
export async function profileAtMaxRate(
  ctx: BenchContext,
  run: ParleyRun,
  population: string,
  ramp: RunSummary,
): Promise<void> {
  const { config } = ctx;
  const rate = ramp.max?.offeredRate;
  if (!rate) {
    ctx.results.notes.push('No profiled step: no step of the 1:1 ramp met the SLO.');
    return;
  }
  // The bench waits for a quiet machine, not the load generator: nothing between connecting and the step.
  await ctx.waitQuiet('profiled step');
  ctx.markLoad(`profiled step at ${rate} msg/s`);
  const progress = logProgress('profiled step');
  let profiling = false;
  const stop = () => {
    if (profiling) run.profile('prof-stop', LABEL);
    profiling = false;
  };
  let summary: RunSummary;
  try {
    summary = (await runLoadgen(
      [
        'run',
        '--gateway',
        run.gatewayUrl,
        '--population',
        population,
        '--rate',
        String(rate),
        '--duration',
        String(config.stepSeconds),
        '--slo-p99-ms',
        String(config.sloP99Ms),
        '--body-bytes',
        String(config.bodyBytes),
        '--quiet-wait',
        '0',
        '--noisy-retries',
        '0',
        ...run.cpuArgs,
      ],
      (e) => {
        // From connected to the step's end: connecting the users stays out of the profile.
        if (e.event === 'connected') {
          run.profile('prof-start');
          profiling = true;
        } else if (e.event === 'step') stop();
        progress(e);
      },
    )) as unknown as RunSummary;
  } finally {
    stop();
  }
  const step = summary.steps[0];
  const cores = (name: string) => processCores(step, name);
  const apps = Object.keys(run.pids);
  const busiest = [...apps].sort((a, b) => cores(b) - cores(a)).slice(0, GRAPHED);
  mkdirSync(config.flamegraphDir, { recursive: true });
  // An app that was among the busiest in an earlier run must not keep its old graph beside the new ones.
  for (const name of apps) rmSync(join(config.flamegraphDir, `${name}.svg`), { force: true });
  const locate = sourceLocator(ROOT);
  const graphs: ProcessProfile[] = [];
  for (const name of busiest) {
    const profile = flameProfile(await readProfile(ctx.dirs.probeDir, run.pids[name]), locate);
    writeFileSync(join(config.flamegraphDir, `${name}.svg`), flameGraphSvg(profile, { process: name, rate }));
    graphs.push({
      name,
      cores: cores(name),
      durationS: profile.durationS,
      samples: profile.samples,
      idleShare: profile.idleSamples / Math.max(1, profile.samples),
      topSelf: topSelfTime(profile),
    });
  }
  ctx.results.maxRateProfile = { step, graphs };
  log(`flame graphs of ${busiest.join(', ')} -> ${config.flamegraphDir}`);
}

/** The step's profile of one app, once the probe has written it (it renames the finished file into place). */
async function readProfile(dir: string, pid: number, timeoutMs = 60_000): Promise<CpuProfile> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const file = readdirSync(dir).find((f) => f.endsWith(`-${pid}-${LABEL}.cpuprofile`));
    if (file) return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    if (Date.now() > deadline) throw new Error(`process ${pid} wrote no CPU profile in ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}
