import { join } from 'node:path';
import type { BenchContext } from './context';
import { settleDatabase, storageFootprint, walLsn } from './database';
import { rampOnStack, type ParleyRun } from './parley-run';

/** 1:1 chats through the whole stack: ramp to the ceiling, then what the run wrote to PostgreSQL. */
export async function oneToOneRamp(ctx: BenchContext, run: ParleyRun): Promise<void> {
  await settleDatabase(ctx.db.url);
  ctx.markLoad('parley 1:1 ramp');
  const file = join(ctx.dirs.workDir, 'parley-pairs.json');
  await ctx.seed(ctx.config.pairUsers, 0, 0, true, file);
  const walBefore = await walLsn(ctx.db.url);
  run.profile('prof-start');
  const summary = await rampOnStack(ctx, run, file, 'parley');
  run.profile('prof-stop');
  ctx.results.parley = summary;
  ctx.results.storage = await storageFootprint(ctx.db.url, walBefore, summary.totals.acked);
}
