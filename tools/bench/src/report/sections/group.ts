import type { BenchConfig } from '../../bench-config';
import type { BenchResults } from '../../results';
import { fmt } from '../format';
import { stepTable } from '../tables';

/** One member of a large group sending: how fast each message reaches every member. */
export function groupSection(results: BenchResults, config: BenchConfig): string[] {
  const out: string[] = [];
  const g = results.group;
  if (g) {
    out.push(`### Group fan-out: ${fmt(g.users)} members, all online`);
    out.push('');
    out.push(
      `One member sends ${config.groupRate} messages/s for ${config.groupSeconds} s; each goes to ${fmt(g.users - 1)} sockets.`,
    );
    out.push('');
    out.push(stepTable(g.steps, true));
    out.push('');
  }
  return out;
}
