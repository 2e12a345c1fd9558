import { join } from 'node:path';
import type { RunSummary } from '../results';
import type { BenchContext } from './context';
import { settleDatabase } from './database';
import { parleyRun, rampOnStack, startBenchStack, type ParleyRun } from './parley-run';

/** The scale-out stack: the target compares two of each with one of each (phase parley). */
const GATEWAYS = 2;
const STORES = 2;

/**
 * Two gateways and two message-store replicas on this machine, on a stack of their own after
 * the main one stopped: the same 1:1 ramp as phase parley, fresh users of the same number.
 * The load generator puts users on gateways round-robin and 1:1 pairs are consecutive users,
 * so every pair has one member on each gateway and every message crosses from one to the other.
 * Then (BENCH_SCALEOUT_SAME_GATEWAY) the ramp again with each chat's members on one gateway:
 * the two bound what a load balancer between them would get.
 */
export async function scaleOut(ctx: BenchContext): Promise<void> {
  ctx.markLoad('scale-out stack start');
  const stack = await startBenchStack(ctx, {
    label: 'scaleout',
    gateways: GATEWAYS,
    replicas: { 'message-store': STORES },
  });
  await ctx.whileRunning(stack, async () => {
    const run = parleyRun(ctx, stack);
    const straddled = await freshRamp(ctx, run, 'scale-out', 'scaleout-pairs');
    ctx.results.scaleOut = { gateways: stack.gatewayNames(), stores: stack.appNames('message-store'), run: straddled };
    if (ctx.config.scaleOutSameGateway)
      ctx.results.scaleOut.sameGateway = await freshRamp(ctx, run, 'scale-out same gateway', 'scaleout-same-gateway', [
        '--placement',
        'chat',
      ]);
  });
}

/** The 1:1 ramp on users seeded now, so neither ramp inherits the other's chats and rows. */
async function freshRamp(
  ctx: BenchContext,
  run: ParleyRun,
  label: string,
  fileName: string,
  extra: string[] = [],
): Promise<RunSummary> {
  await settleDatabase(ctx.db.url);
  ctx.markLoad(`${label} 1:1 ramp`);
  const file = join(ctx.dirs.workDir, `${fileName}.json`);
  await ctx.seed(ctx.config.pairUsers, 0, 0, true, file);
  return rampOnStack(ctx, run, file, label, extra);
}
