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
 *
 * The health columns (requests tried, answers by code, app restarts, each app's memory
 * high-water) come from every scenario's report since they were added; older lines leave them empty.
 */
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const long = args.includes('--long');
const json = args.includes('--json');
const file = args.find((a) => !a.startsWith('--')) || path.join(__dirname, '../../.parley/faults/results.jsonl');
// The figure columns every fault scenario reports (ScenarioFigures in src/support/fault-stack.ts).
const cols = require('./src/support/figure-columns.json');
// Added to every report by FaultStack.scenarioHealth(); shown when present.
const healthCols = ['requestsTried', 'answersByCode', 'restartsByApp', 'maxRssMiB'];
const latest = new Map();
for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  if (Boolean(r.long) !== long) continue;
  latest.set(r.scenario, r);
}
// null: the figure does not apply to that scenario (or a time could not be measured).
const cell = (v) =>
  v === undefined
    ? ''
    : v === null
      ? 'n/a'
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v).replace(/\|/g, '\\|');
// { ok: 1200, unavailable: 3 } -> "ok 1200, unavailable 3"
const pairs = (o, keep = () => true) =>
  Object.entries(o)
    .filter(([, n]) => keep(n))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
const healthCell = {
  requestsTried: (v) => String(v),
  answersByCode: (v) => pairs(v),
  // Only the apps that restarted; "0" when none did.
  restartsByApp: (v) => pairs(v, (n) => n > 0) || '0',
  // The largest, then every app: "max 142 (message-store); chat-gateway-1 120, ..."
  maxRssMiB: (v) => {
    const [top] = Object.entries(v).sort((a, b) => b[1] - a[1]);
    return top ? `max ${top[1]} (${top[0]}); ${pairs(v)}` : '';
  },
};
const healthCellType = (c) => (c === 'requestsTried' ? 'number' : 'object');
const rows = [...latest.values()].sort((a, b) => a.scenario.localeCompare(b.scenario, undefined, { numeric: true }));
if (json) {
  for (const r of rows) console.log(JSON.stringify(r));
} else {
  const show = (r, c) =>
    healthCell[c] && r[c] != null && typeof r[c] === healthCellType(c) ? healthCell[c](r[c]) : cell(r[c]);
  const table = (columns, list) => {
    console.log(`| ${columns.join(' | ')} |`);
    console.log(`|${columns.map(() => '---').join('|')}|`);
    for (const r of list) console.log(`| ${columns.map((c) => show(r, c)).join(' | ')} |`);
  };
  const faults = rows.filter((r) => cols.every((c) => c in r));
  table([...cols, ...healthCols], faults);
  // The security / abuse scenarios report figures of their own (--json); here their health.
  const others = rows.filter((r) => !faults.includes(r) && healthCols.some((c) => c in r));
  if (others.length > 0) {
    console.log('');
    table(['scenario', ...healthCols], others);
  }
}
const times = rows.map((r) => r.at).sort();
if (times.length > 0)
  console.log(
    `\n${rows.length} scenarios, ${long ? 'long' : 'normal'} run, recorded ${times[0]} to ${times[times.length - 1]}`,
  );
