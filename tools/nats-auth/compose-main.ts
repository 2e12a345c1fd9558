import { resolve } from 'node:path';
import { COMPOSE_NATS_DIR, writeComposeNatsFiles } from './compose';

// Usage: node tools/nats-auth/compose.cjs [--dir DIR]  (default: .parley/compose/nats of the repository)
const args = process.argv.slice(2);
const dir = args[0] === '--dir' && args[1] ? resolve(args[1]) : resolve(__dirname, '../..', COMPOSE_NATS_DIR);
try {
  process.stdout.write(`${writeComposeNatsFiles(dir)}\n`);
} catch (err) {
  process.stderr.write(
    `nats-auth compose: ${(err as Error).message}\nusage: node tools/nats-auth/compose.cjs [--dir DIR]\n`,
  );
  process.exit(1);
}
