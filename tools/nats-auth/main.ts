import { resolve } from 'node:path';
import {
  ensureNatsPasswords,
  parleyNatsUsers,
  writeNatsServerConfig,
} from '../../libs/shared/util-nats/src/lib/nats-server-config';

const USAGE = `usage: node tools/nats-auth/nats-server-config.cjs --out FILE --store-dir DIR
         [--secrets-dir .parley/keys/nats] [--host 127.0.0.1] [--port 4222] [--subject-prefix PREFIX]
         [--http-port N] [--tls-cert FILE --tls-key FILE [--tls-ca FILE]]
Creates the missing <secrets-dir>/<app>.password files (0600), then writes FILE (0600): a
nats-server config with one user per app (user = app name) and its allow-lists. Start NATS with
\`nats-server -c FILE\`; each app then needs NATS_PASSWORD_FILE=<secrets-dir>/<app>.password.`;

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (!name?.startsWith('--') || value === undefined) throw new Error(`bad argument ${name ?? ''}`);
    args.set(name.slice(2), value);
  }
  return args;
}

function port(value: string | undefined, fallback: number, name: string): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port number`);
  return n;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const out = args.get('out');
  const storeDir = args.get('store-dir');
  if (!out || !storeDir) throw new Error('--out and --store-dir are required');
  const known = [
    'out',
    'store-dir',
    'secrets-dir',
    'host',
    'port',
    'subject-prefix',
    'http-port',
    'tls-cert',
    'tls-key',
    'tls-ca',
  ];
  for (const name of args.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}`);
  const cert = args.get('tls-cert');
  const key = args.get('tls-key');
  if (Boolean(cert) !== Boolean(key)) throw new Error('--tls-cert and --tls-key go together');
  const passwords = ensureNatsPasswords(resolve(args.get('secrets-dir') ?? '.parley/keys/nats'));
  writeNatsServerConfig(resolve(out), {
    host: args.get('host') ?? '127.0.0.1',
    port: port(args.get('port'), 4222, 'port'),
    storeDir: resolve(storeDir),
    users: parleyNatsUsers(passwords, { subjectPrefix: args.get('subject-prefix') ?? '' }),
    httpPort: args.has('http-port') ? port(args.get('http-port'), 0, 'http-port') : undefined,
    tls:
      cert && key
        ? {
            certFile: resolve(cert),
            keyFile: resolve(key),
            caFile: args.get('tls-ca') && resolve(args.get('tls-ca') as string),
          }
        : undefined,
  });
  process.stdout.write(`${resolve(out)}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`nats-server-config: ${(err as Error).message}\n${USAGE}\n`);
  process.exit(1);
}
