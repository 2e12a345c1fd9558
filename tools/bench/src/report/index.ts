import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchConfig } from '../bench-config';
import { renderScaling } from '../capacity';
import type { BenchResults } from '../results';
import { latencyChart } from './latency-chart';
import { beforeAfterSection } from './sections/before-after';
import { cpuProfileSection } from './sections/cpu-profile';
import { crowdSection } from './sections/crowd';
import { groupSection } from './sections/group';
import { idleSection } from './sections/idle';
import { runSection } from './sections/run';
import { scaleOutSection } from './sections/scale-out';
import { sideBySideSection } from './sections/side-by-side';
import { storageSection } from './sections/storage';
import { targetsSection } from './sections/targets';
import { transportSection } from './sections/transports';
import { zeroLossSection } from './sections/zero-loss';

const BEGIN = '<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

/** Writes the generated sections of docs/benchmarks.md and docs/scaling.md, and the chart. */
export function writeReport(results: BenchResults, config: BenchConfig): void {
  mkdirSync(dirname(config.chartOut), { recursive: true });
  writeFileSync(config.chartOut, latencyChart(results, config.sloP99Ms));
  writeSection(config.out, renderReport(results, config, config.chartOut), 'Benchmarks');
  writeSection(config.scalingOut, renderScaling(results), 'Scaling');
}

/** The generated part of docs/benchmarks.md: one section after the other. */
function renderReport(results: BenchResults, config: BenchConfig, chartFile: string): string {
  return [
    ...runSection(results),
    ...targetsSection(results),
    ...sideBySideSection(results, config, chartFile),
    ...cpuProfileSection(results, config),
    ...storageSection(results, config),
    ...idleSection(results),
    ...transportSection(results),
    ...scaleOutSection(results, config),
    ...crowdSection(results),
    ...groupSection(results, config),
    ...zeroLossSection(results),
    ...beforeAfterSection(results),
  ].join('\n');
}

/** Replaces the generated section of a document (between the markers), keeping the hand-written rest. */
function writeSection(file: string, body: string, title: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const generated = `${BEGIN}\n${body}\n${END}`;
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const i = existing.indexOf(BEGIN);
  const j = existing.indexOf(END);
  const doc =
    i >= 0 && j > i
      ? existing.slice(0, i) + generated + existing.slice(j + END.length)
      : `# ${title}\n\nThe section between the markers is rewritten by each \`npm run bench\` (tools/bench).\n\n${generated}\n`;
  writeFileSync(file, doc);
}
