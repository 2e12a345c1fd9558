import type { BenchResults } from '../../results';
import { fmt } from '../format';
import { cpuTable, stepTable } from '../tables';

/** The crowd on one gateway: its step and CPU by process. */
export function crowdSection(results: BenchResults): string[] {
  const out: string[] = [];
  const c = results.crowd;
  if (c) {
    out.push(`### The crowd: ${fmt(c.connected)} users on one gateway, each sending every ${c.intervalS} s`);
    out.push('');
    out.push(stepTable(c.steps, true));
    out.push('');
    out.push(cpuTable(c.steps[0]));
    out.push('');
  }
  return out;
}
