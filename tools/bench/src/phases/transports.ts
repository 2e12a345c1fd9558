import { join } from 'node:path';
import type { BenchResults } from '../results';
import type { BenchContext } from './context';
import { settleDatabase } from './database';
import { idleMemory, idleUsers } from './idle-memory';
import { rampOnStack, type ParleyRun } from './parley-run';

/**
 * Socket.IO (WebSocket) vs gRPC (one HTTP/2 stream per user) on this one stack: for each, the
 * same 1:1 ramp (fresh users, open loop, zero-loss check, CPU of every server process, bytes
 * on the wire counted per connection on the client side), then idle authenticated connections.
 */
export async function transports(ctx: BenchContext, run: ParleyRun): Promise<void> {
  const out: NonNullable<BenchResults['transports']> = {};
  ctx.results.transports = out;
  for (const transport of ['socketio', 'grpc'] as const) {
    const args =
      transport === 'grpc' ? ['--transport', 'grpc', '--grpc', run.gatewayGrpcAddress] : ['--transport', 'socketio'];
    await settleDatabase(ctx.db.url);
    ctx.markLoad(`${transport} 1:1 ramp`);
    const file = join(ctx.dirs.workDir, `${transport}-pairs.json`);
    await ctx.seed(ctx.config.pairUsers, 0, 0, true, file);
    const summary = await rampOnStack(ctx, run, file, transport, args);
    out[transport] = { run: summary };
    ctx.markLoad(`${transport} idle`);
    const idleFile = join(ctx.dirs.workDir, `${transport}-idle.json`);
    await ctx.seed(await idleUsers(ctx, run.gatewayPid, ctx.config.transportIdleUsers), 0, 0, true, idleFile);
    out[transport] = {
      run: summary,
      idle: await idleMemory(ctx, {
        url: run.gatewayUrl,
        pid: run.gatewayPid,
        populationFile: idleFile,
        label: `${transport} idle`,
        sendArgs: args,
      }),
    };
  }
}
