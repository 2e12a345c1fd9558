import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NATS_APPS, natsPermissions, type NatsPermissions, type ServiceQueue } from '@parley/contracts';

export interface NatsServerUser {
  user: string;
  password: string;
  permissions: NatsPermissions;
}

export interface NatsServerConfigOptions {
  host: string;
  port: number;
  /** JetStream's directory (the revocation stream lives there). */
  storeDir: string;
  users: NatsServerUser[];
  /** `tls {}` block: clients then connect with NATS_URL=tls://... (see docs/security.md). */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** Monitoring port (/varz, /connz), 0 or absent: off. */
  httpPort?: number;
}

/** One NATS identity per app: user name = the app's name, the password is the app's secret. */
export function parleyNatsUsers(
  passwords: Record<ServiceQueue, string>,
  options: { subjectPrefix?: string } = {},
): NatsServerUser[] {
  return NATS_APPS.map((app) => ({ user: app, password: passwords[app], permissions: natsPermissions(app, options) }));
}

/**
 * A nats-server (2.9+) configuration file. nats-server reads JSON as its config syntax, so the
 * file is JSON: quoting and escaping are JSON's, and no value can break out of its string. With
 * users, a client without valid credentials is refused, and JetStream (enabled here) serves the
 * users of the default (global) account.
 */
export function renderNatsServerConfig(options: NatsServerConfigOptions): string {
  if (options.users.length === 0) throw new Error('a NATS configuration with authentication needs at least one user');
  for (const u of options.users) {
    if (!/^[A-Za-z0-9_-]+$/.test(u.user)) throw new Error(`NATS user name "${u.user}" may hold only A-Z a-z 0-9 _ -`);
    if (u.password.length < 16) throw new Error(`the NATS password of ${u.user} is too short (16 characters at least)`);
  }
  const config: Record<string, unknown> = {
    host: options.host,
    port: options.port,
    jetstream: { store_dir: options.storeDir },
    authorization: {
      users: options.users.map((u) => ({ user: u.user, password: u.password, permissions: u.permissions })),
    },
  };
  if (options.httpPort) config['http_port'] = options.httpPort;
  if (options.tls) {
    config['tls'] = {
      cert_file: options.tls.certFile,
      key_file: options.tls.keyFile,
      ...(options.tls.caFile ? { ca_file: options.tls.caFile } : {}),
    };
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * Reads each app's NATS password from `<dir>/<app>.password`, creating the missing ones (32 random
 * bytes, base64url; the directory 0700, the files 0600). The apps read the same files through
 * NATS_PASSWORD_FILE.
 */
export function ensureNatsPasswords(dir: string): Record<ServiceQueue, string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const passwords = {} as Record<ServiceQueue, string>;
  for (const app of NATS_APPS) {
    const file = natsPasswordFile(dir, app);
    if (!existsSync(file)) {
      try {
        writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another run made it meanwhile
      }
    }
    passwords[app] = readFileSync(file, 'utf8').trim();
  }
  return passwords;
}

export function natsPasswordFile(dir: string, app: ServiceQueue): string {
  return join(dir, `${app}.password`);
}

/** Writes the configuration readable by its owner only (it holds the passwords). */
export function writeNatsServerConfig(path: string, options: NatsServerConfigOptions): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, renderNatsServerConfig(options), { mode: 0o600 });
  renameSync(tmp, path);
}
