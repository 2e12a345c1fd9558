#!/usr/bin/env node
'use strict';
/**
 * Prints the latest figures of each fault scenario (issue 7, items 1-9) as a Markdown table,
 * from the JSON lines the suite appends to .parley/faults/results.jsonl (docs/reliability.md
 * copies them from here), with the time span of the lines it used.
 *
 *   node apps/faults-e2e/results-table.cjs [--long] [--json] [path/to/results.jsonl]
 *
 * --long: the FAULTS_LONG=1 run's figures. --json: every latest line whole, the security
 * scenarios' too (each scenario reports more than the table shows).
 */
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const long = args.includes('--long');
const json = args.includes('--json');
const file = args.find((a) => !a.startsWith('--')) || path.join(__dirname, '../../.parley/faults/results.jsonl');
// The figure columns every fault scenario reports (ScenarioFigures in src/support/fault-stack.ts).
const cols = ['scenario', 'injected', 'messagesInFlight', 'attempted', 'acknowledged', 'stored', 'delivered', 'lost', 'duplicatesAfterDedupe', 'timeToRecoverMs'];
const latest = new Map();
for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  if (Boolean(r.long) !== long) continue;
  if (!json && !cols.every((c) => c in r)) continue;
  latest.set(r.scenario, r);
}
// null: the figure does not apply to that scenario (or a time could not be measured).
const cell = (v) => (v === undefined ? '' : v === null ? 'n/a' : typeof v === 'object' ? JSON.stringify(v) : String(v).replace(/\|/g, '\\|'));
const rows = [...latest.values()].sort((a, b) => a.scenario.localeCompare(b.scenario, undefined, { numeric: true }));
if (json) {
  for (const r of rows) console.log(JSON.stringify(r));
} else {
  console.log(`| ${cols.join(' | ')} |`);
  console.log(`|${cols.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${cols.map((c) => cell(r[c])).join(' | ')} |`);
}
const times = rows.map((r) => r.at).sort();
if (times.length > 0) console.log(`\n${rows.length} scenarios, ${long ? 'long' : 'normal'} run, recorded ${times[0]} to ${times[times.length - 1]}`);
