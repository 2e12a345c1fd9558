import { join } from 'node:path';
import { openFilesLimit } from '@parley/tools/proc-stats';
import type { BenchContext } from './context';
import { idleMemory, idleUsers } from './idle-memory';
import { redisPid } from './measured-processes';
import type { ParleyRun } from './parley-run';

/** As many users as one gateway can hold: idle memory and CPU, then each sending now and then (the crowd). */
export async function idleCrowd(ctx: BenchContext, run: ParleyRun): Promise<void> {
  const { config } = ctx;
  ctx.markLoad('parley idle + crowd');
  const users = await idleUsers(ctx, run.gatewayPid);
  if (users < config.idleUsers) {
    ctx.results.notes.push(
      `The crowd run holds ${users} users, not ${config.idleUsers}: one process may open ${openFilesLimit()} files here (hard limit, no CAP_SYS_RESOURCE), and the gateway already holds some.`,
    );
  }
  const file = join(ctx.dirs.workDir, 'parley-crowd.json');
  await ctx.seed(users, 0, 0, true, file);
  const rate = Math.round(users / config.idleSendIntervalS);
  const sendArgs = [
    '--rate',
    String(rate),
    '--duration',
    String(config.idleSendSeconds),
    '--noisy-retries',
    '1',
    '--quiet-wait',
    String(config.quietWaitSeconds),
    '--database-url',
    ctx.db.url,
    ...run.cpuArgs,
  ];
  const { run: crowd, ...memory } = await idleMemory(ctx, {
    url: run.gatewayUrl,
    pid: run.gatewayPid,
    populationFile: file,
    label: 'parley',
    sendArgs,
    cpuPids: { ...run.pids, ...run.natsPid, ...redisPid() },
  });
  ctx.results.parleyIdle = memory;
  if (crowd) ctx.results.crowd = { ...crowd, intervalS: config.idleSendIntervalS, gatewayFdLimit: openFilesLimit() };
}
