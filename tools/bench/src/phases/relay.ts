import { join } from 'node:path';
import { runLoadgen } from '../loadgen-runner';
import { RelayProcess } from '../relay-process';
import type { RunSummary } from '../results';
import type { BenchContext } from './context';
import { idleMemory, idleUsers } from './idle-memory';
import { logProgress, rampArgs } from './loadgen-args';

/** (b) The bare Socket.IO relay: ramp to its ceiling, then idle-socket memory. */
export async function relay(ctx: BenchContext): Promise<void> {
  ctx.markLoad('relay');
  const popFile = join(ctx.dirs.workDir, 'relay-pairs.json');
  await ctx.seed(ctx.config.pairUsers, 0, 0, false, popFile);
  const ramped = await startRelay(ctx, popFile);
  ctx.results.relay = await ctx.whileRunning(
    ramped,
    async () =>
      (await runLoadgen(
        [
          'run',
          '--gateway',
          ramped.url,
          '--population',
          popFile,
          ...rampArgs(ctx.config),
          '--cpu',
          `relay=${ramped.pid}`,
        ],
        logProgress('relay'),
      )) as unknown as RunSummary,
  );
  if (ctx.config.phases.has('idle')) await relayIdle(ctx);
}

/** Idle sockets on a relay that knows no chats: the bare Socket.IO server's memory per socket. */
async function relayIdle(ctx: BenchContext): Promise<void> {
  const users = await idleUsers(ctx);
  const idleFile = join(ctx.dirs.workDir, 'relay-idle.json');
  await ctx.seed(users, 0, 0, false, idleFile);
  const bare = await startRelay(ctx);
  ctx.results.relayIdle = await ctx.whileRunning(bare, () =>
    idleMemory(ctx, { url: bare.url, pid: bare.pid, populationFile: idleFile, label: 'bare Socket.IO' }),
  );
}

function startRelay(ctx: BenchContext, populationFile?: string): Promise<RelayProcess> {
  return ctx.started(
    RelayProcess.start({
      populationFile,
      publicKeyFile: ctx.keys.jwtPublicKeyFile,
      probeDir: ctx.dirs.probeDir,
      logFile: join(ctx.dirs.logDir, 'relay.log'),
    }),
  );
}
