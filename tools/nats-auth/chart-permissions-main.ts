import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHART_PERMISSIONS_FILE, chartPermissionsJson } from './chart-permissions';

// Rewrites the chart's permissions file; with --check only says whether it is up to date (exit 1
// when not: deploy-checks runs that).
const out = join(resolve(__dirname, '../..'), CHART_PERMISSIONS_FILE);
const expected = chartPermissionsJson();
if (process.argv[2] === '--check') {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing: out of date
  }
  if (current !== expected) {
    process.stderr.write(
      `${CHART_PERMISSIONS_FILE} differs from libs/contracts: run node tools/nats-auth/chart-permissions.cjs\n`,
    );
    process.exit(1);
  }
} else {
  writeFileSync(out, expected);
  process.stdout.write(`${out}\n`);
}
