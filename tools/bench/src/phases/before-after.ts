import { join } from 'node:path';
import { WORKSPACE_ROOT as ROOT } from '@parley/shared/testing';
import { currentCheckout, prepareBaseline } from '../baseline';
import { log } from '../log';
import type { BeforeAfter } from '../results';
import type { BenchContext } from './context';
import { settleDatabase } from './database';
import { parleyRun, rampOnStack, startBenchStack } from './parley-run';

/**
 * BENCH_BASELINE=<ref>: the 1:1 ramp on that commit's apps and on this checkout's, in turn
 * (baseline first, BENCH_BASELINE_ROUNDS times each), each on a fresh stack and database of its
 * own, so "did this change slow Parley down" is answered by one run on one machine state.
 */
export async function beforeAfter(ctx: BenchContext, ref: string): Promise<void> {
  const baseline = prepareBaseline(ref, ROOT, log);
  const result: BeforeAfter = {
    baseline: { ref, commit: baseline.commit, title: baseline.title },
    current: currentCheckout(ROOT),
    runs: [],
  };
  ctx.results.beforeAfter = result;
  for (let round = 1; round <= ctx.config.baselineRounds; round++) {
    for (const side of ['baseline', 'current'] as const) {
      ctx.markLoad(`compare ${side} ${round}`);
      const stack = await startBenchStack(
        ctx,
        side === 'baseline' ? { label: 'baseline', root: baseline.root } : { label: 'current', root: ROOT },
      );
      await ctx.whileRunning(stack, async () => {
        await settleDatabase(stack.db.url);
        const file = join(ctx.dirs.workDir, `compare-${side}-${round}.json`);
        await ctx.seed(ctx.config.pairUsers, 0, 0, true, file, stack.db);
        const summary = await rampOnStack(ctx, parleyRun(ctx, stack), file, `${side} ${round}`);
        result.runs.push({ side, round, summary });
      });
    }
  }
}
