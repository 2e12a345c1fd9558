import { join } from 'node:path';
import { log } from '../log';
import type { BenchContext } from './context';
import { settleDatabase, storageFootprint, walLsn } from './database';
import { profileAtMaxRate } from './max-rate-profile';
import { rampOnStack, type ParleyRun } from './parley-run';

/**
 * 1:1 chats through the whole stack: ramp to the ceiling, then what the run wrote to PostgreSQL;
 * with BENCH_CPU_PROF, one profiled step at the ceiling after it (the ramp itself runs unprofiled).
 */
export async function oneToOneRamp(ctx: BenchContext, run: ParleyRun): Promise<void> {
  await settleDatabase(ctx.db.url);
  ctx.markLoad('parley 1:1 ramp');
  const file = join(ctx.dirs.workDir, 'parley-pairs.json');
  await ctx.seed(ctx.config.pairUsers, 0, 0, true, file);
  const walBefore = await walLsn(ctx.db.url);
  const summary = await rampOnStack(ctx, run, file, 'parley');
  ctx.results.parley = summary;
  ctx.results.storage = await storageFootprint(ctx.db.url, walBefore, summary.totals.acked);
  if (!ctx.config.cpuProfile) return;
  // A failed profile must not cost the ramp's figures or the phases after this one.
  await profileAtMaxRate(ctx, run, file, summary).catch((err: unknown) => {
    log(`profiled step failed: ${(err as Error).stack ?? String(err)}`);
    ctx.results.notes.push(`The profiled step failed: ${(err as Error).message.split('\n')[0]}`);
  });
}
