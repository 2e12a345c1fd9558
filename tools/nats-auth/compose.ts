import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NATS_APPS } from '../../libs/contracts/src';
import {
  ensureNatsPasswords,
  natsPasswordFile,
  parleyNatsUsers,
  writeNatsServerConfig,
} from '../../libs/shared/util-nats/src/lib/nats-server-config';

/** Where docker/compose.yml reads them (relative to the repository). */
export const COMPOSE_NATS_DIR = '.parley/compose/nats';

/**
 * For docker/compose.yml: `<dir>/nats.conf` (the nats service's configuration: one user per app,
 * the permissions of libs/contracts, JetStream in the container's /data) and `<dir>/<app>.password`,
 * mounted into each app as its compose secret. Existing passwords are kept.
 */
export function writeComposeNatsFiles(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const passwords = ensureNatsPasswords(dir);
  // Compose bind-mounts secret files as they are: the apps (uid 1000) must be able to read them.
  // The directory (0700) keeps other users of the host out.
  for (const app of NATS_APPS) chmodSync(natsPasswordFile(dir, app), 0o644);
  const conf = join(dir, 'nats.conf');
  writeNatsServerConfig(conf, {
    host: '0.0.0.0',
    port: 4222,
    storeDir: '/data',
    httpPort: 8222,
    users: parleyNatsUsers(passwords),
  });
  return conf;
}
