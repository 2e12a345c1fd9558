import { log } from '../log';
import { measureSwitchCost } from '../switch-cost';
import type { BenchContext } from './context';

/** What one hop between two processes costs on this machine (results.machine.switchCost). */
export async function switchCost(ctx: BenchContext): Promise<void> {
  await ctx.waitQuiet('switch cost');
  const tiny = ctx.config.scale === 'tiny';
  const c = await measureSwitchCost(tiny ? 500 : 3000, tiny ? 50 : 300);
  ctx.results.machine.switchCost = c;
  log(
    `switch cost: ${c.usPerHopHot} µs CPU per hop back to back, ${c.usPerHopPaced} µs paced ${c.pacedGapMs} ms apart`,
  );
}
