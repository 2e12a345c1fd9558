import type { StackOptions, TestStack } from '@parley/shared/testing';
import { runLoadgen } from '../loadgen-runner';
import { startParleyStack, stackPids } from '../parley-stack';
import { probeProfiler } from '../probe';
import type { RunSummary } from '../results';
import type { BenchContext } from './context';
import { logProgress, rampArgs } from './loadgen-args';
import { natsPid } from './measured-processes';

/** What every phase on the Parley stack needs: its pids, the load generator's CPU arguments, the profiler switch. */
export interface ParleyRun {
  stack: TestStack;
  pids: Record<string, number>;
  /** The first gateway's URL; gatewayUrls has every gateway's (the scale-out stack runs two). */
  gatewayUrl: string;
  gatewayUrls: string[];
  /** host:port of the gateway's gRPC edge. */
  gatewayGrpcAddress: string;
  gatewayPid: number;
  natsPid: Record<string, number>;
  cpuArgs: string[];
  /** BENCH_CPU_PROF: starts or stops the profiler in every app (stop with a label: files <app>-<pid>-<label>.cpuprofile). */
  profile: (cmd: 'prof-start' | 'prof-stop', label?: string) => void;
}

/** How a bench stack differs from the main one (one of each app, this checkout's, on the run's database). */
export interface BenchStackOptions {
  label?: string;
  /** Another checkout's apps (the before/after comparison): on a database of their own. */
  root?: string;
  /** Gateways and back-end replicas (the scale-out phase). */
  gateways?: number;
  replicas?: StackOptions['replicas'];
}

/**
 * Parley's whole stack with the bench's rate limits and BENCH_APP_ENV: on the run's database (one
 * of each app, or the scale-out phase's two gateways and two stores), or (before/after
 * comparison) another checkout's apps on a database of their own.
 */
export function startBenchStack(ctx: BenchContext, options: BenchStackOptions = {}): Promise<TestStack> {
  return ctx.started(
    startParleyStack({
      label: options.label ?? 'parley',
      db: options.root ? undefined : ctx.db,
      root: options.root,
      keys: ctx.keys,
      probeDir: ctx.dirs.probeDir,
      gateways: options.gateways,
      replicas: options.replicas,
      env: {
        MESSAGE_PARTITIONS: String(ctx.config.messagePartitions),
        // The bench's users send far above a person's rate; docs/protocol.md's defaults stay for production.
        RATE_LIMIT_MESSAGES_PER_SECOND: '10000',
        RATE_LIMIT_MESSAGES_BURST: '100000',
        // Experiments: BENCH_APP_ENV="APPEND_BATCH_WAIT_MS=5,DATABASE_POOL_SIZE=20" (recorded in the report).
        ...appEnv(process.env['BENCH_APP_ENV']),
      },
    }),
  );
}

/** KEY=value,KEY2=value2 as an environment. */
function appEnv(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (spec ?? '').split(',').filter(Boolean)) {
    const [k, ...v] = pair.split('=');
    out[k.trim()] = v.join('=').trim();
  }
  return out;
}

export function parleyRun(ctx: BenchContext, stack: TestStack): ParleyRun {
  const pids = stackPids(stack);
  return {
    stack,
    pids,
    gatewayUrl: stack.gatewayUrls[0],
    gatewayUrls: stack.gatewayUrls,
    gatewayGrpcAddress: stack.gatewayGrpcAddress,
    gatewayPid: pids[stack.gatewayNames()[0]],
    natsPid: natsPid(new URL(stack.env['NATS_URL']).port || '4222'),
    cpuArgs: [
      ...Object.entries(pids).map(([name, pid]) => `--cpu=${name}=${pid}`),
      '--cpu-infra',
      '--pg-database',
      stack.db.name,
    ],
    profile: (cmd, label) => {
      if (!ctx.config.cpuProfile) return;
      for (const pid of Object.values(pids)) probeProfiler(ctx.dirs.probeDir, pid, cmd, label);
    },
  };
}

/**
 * The 1:1 ramp of a seeded population through the stack's gateways (the load generator spreads
 * users over them round-robin), checked against PostgreSQL.
 */
export async function rampOnStack(
  ctx: BenchContext,
  run: ParleyRun,
  file: string,
  label: string,
  extra: string[] = [],
): Promise<RunSummary> {
  return (await runLoadgen(
    [
      'run',
      ...run.gatewayUrls.flatMap((url) => ['--gateway', url]),
      ...extra,
      '--population',
      file,
      ...rampArgs(ctx.config),
      '--database-url',
      run.stack.db.url,
      ...run.cpuArgs,
    ],
    logProgress(label),
  )) as unknown as RunSummary;
}
