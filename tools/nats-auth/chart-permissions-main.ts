import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHART_PERMISSIONS_FILE, chartPermissionsJson } from './chart-permissions';

// Rewrites the chart's permissions file; deploy-checks fails while it differs from the contracts.
const out = join(resolve(__dirname, '../..'), CHART_PERMISSIONS_FILE);
writeFileSync(out, chartPermissionsJson());
process.stdout.write(`${out}\n`);
