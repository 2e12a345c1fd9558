import { join } from 'node:path';
import { runLoadgen } from '../loadgen-runner';
import type { RunSummary } from '../results';
import type { BenchContext } from './context';
import { settleDatabase } from './database';
import { logProgress } from './loadgen-args';
import type { ParleyRun } from './parley-run';

/** One member of a large group sending at a fixed rate. */
export async function groupFanOut(ctx: BenchContext, run: ParleyRun): Promise<void> {
  const { config } = ctx;
  await settleDatabase(ctx.db.url);
  ctx.markLoad('parley group fan-out');
  const file = join(ctx.dirs.workDir, 'parley-group.json');
  await ctx.seed(config.groupSize, 1, config.groupSize, true, file);
  ctx.results.group = (await runLoadgen(
    [
      'run',
      '--gateway',
      run.gatewayUrl,
      '--population',
      file,
      '--senders',
      'first',
      // The group target is e2e p99 <= 250 ms (a message to 1,023 sockets).
      '--slo-p99-ms',
      '250',
      '--noisy-retries',
      '2',
      '--quiet-wait',
      String(config.quietWaitSeconds),
      '--rate',
      String(config.groupRate),
      '--duration',
      String(config.groupSeconds),
      '--database-url',
      ctx.db.url,
      ...run.cpuArgs,
    ],
    logProgress('group'),
  )) as unknown as RunSummary;
}
