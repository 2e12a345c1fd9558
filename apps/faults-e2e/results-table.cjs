#!/usr/bin/env node
'use strict';
/**
 * Prints the latest figures of each fault scenario as a Markdown table, from the JSON lines the
 * suite appends to .parley/faults/results.jsonl (docs/reliability.md copies them from here).
 *
 *   node apps/faults-e2e/results-table.cjs [--long] [path/to/results.jsonl]
 */
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const long = args.includes('--long');
const file = args.find((a) => !a.startsWith('--')) || path.join(__dirname, '../../.parley/faults/results.jsonl');
const latest = new Map();
for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  if (Boolean(r.long) === long) latest.set(r.scenario, r);
}
const cols = ['scenario', 'messagesInFlight', 'attempted', 'acknowledged', 'stored', 'delivered', 'lost', 'duplicatesAfterDedupe', 'timeToRecoverMs', 'at'];
const cell = (v) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
console.log(`| ${cols.join(' | ')} |`);
console.log(`|${cols.map(() => '---').join('|')}|`);
for (const r of [...latest.values()].sort((a, b) => a.scenario.localeCompare(b.scenario, undefined, { numeric: true }))) {
  console.log(`| ${cols.map((c) => cell(r[c])).join(' | ')} |`);
}
