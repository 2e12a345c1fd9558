import { join } from 'node:path';
import type { BenchContext } from './context';
import { settleDatabase } from './database';
import { parleyRun, rampOnStack, startBenchStack } from './parley-run';

/** The scale-out stack: the target compares two of each with one of each (phase parley). */
const GATEWAYS = 2;
const STORES = 2;

/**
 * Two gateways and two message-store replicas on this machine, on a stack of their own after
 * the main one stopped: the same 1:1 ramp as phase parley, fresh users of the same number.
 * The load generator puts users on gateways round-robin and 1:1 pairs are consecutive users,
 * so every pair has one member on each gateway and every message crosses from one to the other.
 */
export async function scaleOut(ctx: BenchContext): Promise<void> {
  ctx.markLoad('scale-out stack start');
  const stack = await startBenchStack(ctx, {
    label: 'scaleout',
    gateways: GATEWAYS,
    replicas: { 'message-store': STORES },
  });
  await ctx.whileRunning(stack, async () => {
    await settleDatabase(ctx.db.url);
    ctx.markLoad('scale-out 1:1 ramp');
    const file = join(ctx.dirs.workDir, 'scaleout-pairs.json');
    await ctx.seed(ctx.config.pairUsers, 0, 0, true, file);
    const summary = await rampOnStack(ctx, parleyRun(ctx, stack), file, 'scale-out');
    ctx.results.scaleOut = { gateways: stack.gatewayNames(), stores: stack.appNames('message-store'), run: summary };
  });
}
