import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../log';
import { driveStore } from '../store-drive';
import type { BenchContext } from './context';
import { cpuScope } from './measured-processes';
import type { ParleyRun } from './parley-run';

/** message-store alone, driven over NATS at its ceiling. */
export async function storeAlone(ctx: BenchContext, run: ParleyRun): Promise<void> {
  const { config } = ctx;
  ctx.markLoad('message-store alone');
  const file = join(ctx.dirs.workDir, 'store-pairs.json');
  await ctx.seed(2000, 0, 0, true, file);
  const pop = JSON.parse(readFileSync(file, 'utf8')) as {
    users: { id: string }[];
    chats: { id: string; members: number[] }[];
  };
  await ctx.waitQuiet('message-store alone');
  run.profile('prof-start');
  const store = await driveStore({
    natsUrl: run.stack.env['NATS_URL'],
    prefix: run.stack.env['NATS_SUBJECT_PREFIX'],
    databaseUrl: ctx.db.url,
    chats: pop.chats.map((c) => ({ id: c.id, senderId: pop.users[c.members[0]].id })),
    inFlight: config.storeInFlight,
    itemsPerRequest: config.storeItemsPerRequest,
    seconds: config.storeSeconds,
    bodyBytes: config.bodyBytes,
    metricsUrl: `http://127.0.0.1:${run.stack.env['MESSAGE_STORE_PORT']}/metrics`,
    cpu: cpuScope({ 'message-store': run.pids['message-store'], ...run.natsPid }, ctx.db.name),
  });
  run.profile('prof-stop');
  ctx.results.store = store;
  log(
    `message-store alone: ${store.rowsPerSec} rows/s (mean batch ${store.meanBatch}), ${store.cpuUsPerRow} µs CPU/row ${JSON.stringify(store.cpuSeconds)}`,
  );
}
