import type { BenchResults } from '../../results';
import { targets } from '../target-rows';

/** Each target with its goal, what this run measured and whether it is met; then the run's notes. */
export function targetsSection(results: BenchResults): string[] {
  const rows = targets(results);
  const out: string[] = [];
  out.push('### Targets');
  out.push('');
  out.push('| target | goal | measured | met |');
  out.push('|---|---|---|---|');
  for (const r of rows)
    out.push(
      `| ${r.target} | ${r.goal} | ${r.measured} | ${r.met === undefined ? 'not run' : r.met ? 'yes' : '**no**'} |`,
    );
  out.push('');
  if (results.notes.length) {
    for (const n of results.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out;
}
