import { cpuDelta, openFdsOf, openFilesLimit, sampleCpu, type CpuScope } from '@parley/tools/proc-stats';
import { runLoadgen } from '../loadgen-runner';
import { log, sleep } from '../log';
import { probeMemory, probeProfiler, type MemoryUsage } from '../probe';
import { redisUsedMemory } from '../redis-info';
import type { IdleMemory, RunSummary } from '../results';
import type { BenchContext } from './context';
import { logProgress } from './loadgen-args';
import { cpuScope } from './measured-processes';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** CPU seconds of a scope over a span of wall time. */
interface CpuSpan {
  cpu: Record<string, number>;
  seconds: number;
}

interface IdleHold {
  summary: RunSummary;
  sockets: number;
  after: MemoryUsage;
  idle?: CpuSpan & { redis?: number };
}

/** One idle-memory measurement: the sockets' server, its population, and what the sockets send meanwhile. */
export interface IdleTarget {
  url: string;
  pid: number;
  populationFile: string;
  label: string;
  /** The load generator's sending options while the sockets are held (none: idle). */
  sendArgs?: string[];
  /** Processes whose CPU per socket is reported (default: the server alone). */
  cpuPids?: Record<string, number>;
}

/**
 * Users that fit one gateway process: its open-files limit minus what it holds
 * (waiting for the sockets of earlier phases to close first) and a margin.
 */
export async function idleUsers(
  ctx: BenchContext,
  gatewayPid?: number,
  wanted = ctx.config.idleUsers,
): Promise<number> {
  const limit = openFilesLimit();
  let held = 0;
  if (gatewayPid) {
    for (let i = 0; i < 40; i++) {
      const now = openFdsOf(gatewayPid) ?? 0;
      if (now === held) break;
      held = now;
      await sleep(500);
    }
  }
  return Math.max(2, Math.min(wanted, limit - held - 64));
}

/** Connects idle sockets and reads the server's heap and RSS (after a full GC) before and mid-hold. */
export async function idleMemory(ctx: BenchContext, t: IdleTarget): Promise<IdleMemory & { run?: RunSummary }> {
  const scope = cpuScope(t.cpuPids ?? { server: t.pid }, ctx.db.name);
  await sleep(1000);
  const baseline = await idleBaselineCpu(ctx, scope, t.label);
  const before = await probeMemory(ctx.dirs.probeDir, t.pid);
  const redisBefore = await redisUsedMemory(REDIS_URL);
  const held = await holdIdleSockets(ctx, t, scope);
  const result = {
    ...idleFigures(held, baseline, before, redisBefore),
    run: held.summary,
  };
  log(
    `${t.label}: ${held.sockets} idle sockets: heap ${result.heapPerSocketBytes} B/socket, RSS ${result.rssPerSocketBytes} B/socket`,
  );
  return result;
}

/** The processes' own idle CPU with no sockets: subtracted from the per-socket figure. */
async function idleBaselineCpu(ctx: BenchContext, scope: CpuScope, label: string): Promise<CpuSpan> {
  await ctx.waitQuiet(`${label} idle`);
  return cpuOver(scope, 3000);
}

async function cpuOver(scope: CpuScope, ms: number): Promise<CpuSpan> {
  const before = sampleCpu(scope);
  const t = performance.now();
  await sleep(ms);
  return { cpu: cpuDelta(before, sampleCpu(scope)), seconds: (performance.now() - t) / 1000 };
}

/**
 * Runs the load generator holding the sockets (sending as sendArgs say); once they are
 * connected, measures their CPU over most of the hold and reads the server's memory mid-hold.
 */
async function holdIdleSockets(ctx: BenchContext, t: IdleTarget, scope: CpuScope): Promise<IdleHold> {
  const { probeDir } = ctx.dirs;
  const hold = Math.max(ctx.config.idleHoldSeconds, 6);
  const snapshot = process.env['BENCH_HEAP_SNAPSHOT'] === '1';
  if (snapshot) probeProfiler(probeDir, t.pid, 'heap');
  let sockets = 0;
  let idleCpu: Promise<CpuSpan & { redis?: number }> | undefined;
  let reading: Promise<MemoryUsage> | undefined;
  const args = ['--population', t.populationFile, '--hold', String(hold), '--connect-concurrency', '64'];
  const summary = (await runLoadgen(['run', '--gateway', t.url, ...args, ...(t.sendArgs ?? [])], (e) => {
    logProgress(t.label)(e);
    if (e['event'] !== 'connected') return;
    sockets = Number(e['connected']);
    // CPU of idle sockets (pings, presence heartbeats) over most of the hold.
    idleCpu = sleep(2500).then(async () => ({
      ...(await cpuOver(scope, Math.max(1000, hold * 1000 - 3500))),
      redis: await redisUsedMemory(REDIS_URL),
    }));
    // Let handshakes, replays and presence settle, then read the heap mid-hold.
    reading = sleep(Math.min(4000, (hold * 1000) / 2)).then(async () => {
      const m = await probeMemory(probeDir, t.pid);
      if (snapshot) probeProfiler(probeDir, t.pid, 'heap');
      return m;
    });
  })) as unknown as RunSummary;
  if (!reading) throw new Error(`${t.label}: the load generator never connected`);
  return { summary, sockets, after: await reading, idle: idleCpu ? await idleCpu : undefined };
}

/** Per-socket memory, Redis and CPU (above the processes' own idle baseline) of one hold. */
function idleFigures(
  held: IdleHold,
  baseline: CpuSpan,
  before: MemoryUsage,
  redisBefore: number | undefined,
): IdleMemory {
  const { sockets, after, idle } = held;
  const per = (a: number, b: number) => Math.round((a - b) / Math.max(1, sockets));
  const cpuPerSocket = (span: CpuSpan, name: string) => {
    const perSecond = span.cpu[name] / span.seconds - (baseline.cpu[name] ?? 0) / baseline.seconds;
    return Math.round(((Math.max(0, perSecond) * 1e6) / Math.max(1, sockets)) * 1000) / 1000;
  };
  return {
    idleCpuUsPerSocketSecond: idle
      ? Object.fromEntries(Object.keys(idle.cpu).map((name) => [name, cpuPerSocket(idle, name)]))
      : undefined,
    redisBytesPerSocket:
      idle?.redis !== undefined && redisBefore !== undefined ? per(idle.redis, redisBefore) : undefined,
    sockets,
    heapBeforeBytes: before.heapUsed,
    heapAfterBytes: after.heapUsed,
    rssBeforeBytes: before.rss,
    rssAfterBytes: after.rss,
    heapPerSocketBytes: per(after.heapUsed, before.heapUsed),
    rssPerSocketBytes: per(after.rss, before.rss),
  };
}
