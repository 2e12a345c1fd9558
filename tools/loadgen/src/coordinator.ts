import type { RunSummary } from '@parley/tools/load-report';
import { LoadRun } from './load-run';
import { totals } from './run-totals';
import type { RunOptions } from './run-options';

/** Connects the population, holds, warms up, runs the steps (or the ramp), then checks for loss. */
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
