import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/** The workspace root: the first folder above this file (source or dist) holding nx.json. */
export const ROOT = (() => {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
})();

interface SupervisorLike {
  start(): Promise<unknown>;
  waitReady(timeoutMs?: number, names?: string[]): Promise<unknown>;
  stop(): Promise<void>;
  pid(name: string): number | undefined;
  assertNoIncidents(options?: { allow?: Record<string, { exits?: number; fatalLines?: number }> }): void;
}
interface SupervisorModule {
  Supervisor: new (opts: Record<string, unknown>) => SupervisorLike;
  defaultApps(opts: { root: string; env: Record<string, string>; gatewayPorts?: number[] }): {
    name: string;
    script: string;
    port?: number;
    env?: Record<string, string>;
    nodeArgs?: string[];
  }[];
}

/** tools/dev/supervisor.cjs, loaded at run time (plain CommonJS shared with `npm start` and e2e). */
function supervisorModule(): SupervisorModule {
  return createRequire(join(ROOT, 'package.json'))(join(ROOT, 'tools/dev/supervisor.cjs')) as SupervisorModule;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolvePort(port));
    });
  });
}

export const PG_SERVER_URL = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const url = new URL(PG_SERVER_URL);
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** A database of its own for one bench run (dropped at the end). */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `parley_bench_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(PG_SERVER_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => withAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))) };
}

export interface BenchKeys {
  dir: string;
  jwtPrivateKeyFile: string;
  jwtPublicKeyFile: string;
  messageKeysFile: string;
}

export function createBenchKeys(): BenchKeys {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = {
    dir,
    jwtPrivateKeyFile: join(dir, 'jwt-private.pem'),
    jwtPublicKeyFile: join(dir, 'jwt-public.pem'),
    messageKeysFile: join(dir, 'message-keys'),
  };
  writeFileSync(keys.jwtPrivateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  writeFileSync(keys.jwtPublicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  writeFileSync(keys.messageKeysFile, `k1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return keys;
}

/** The benchmark probe preloaded into measured servers (dist beside main.js, or the source). */
export function probePath(): string {
  const built = join(__dirname, 'mem-probe.cjs');
  return existsSync(built) ? built : join(ROOT, 'tools/bench/src/probe/mem-probe.cjs');
}

export interface BenchStackOptions {
  label: string;
  gateways?: number;
  env?: Record<string, string>;
  probeDir: string;
  db: BenchDatabase;
  keys: BenchKeys;
}

/**
 * Parley's five apps from dist/ as real processes, isolated like the e2e TestStack (own
 * database, NATS subject prefix, Redis key prefixes, ports, keys), with the benchmark
 * probe preloaded so memory can be read from outside.
 */
export class BenchStack {
  readonly gatewayUrls: string[] = [];
  readonly gatewayNames: string[] = [];
  env: Record<string, string> = {};
  natsPrefix = '';
  private supervisor?: SupervisorLike;

  private constructor(private readonly options: BenchStackOptions) {}

  static async start(options: BenchStackOptions): Promise<BenchStack> {
    const stack = new BenchStack(options);
    try {
      await stack.boot();
    } catch (err) {
      await stack.stop().catch(() => undefined);
      throw err;
    }
    return stack;
  }

  get db(): BenchDatabase {
    return this.options.db;
  }

  private async boot(): Promise<void> {
    const id = randomBytes(4).toString('hex');
    const [auth, presence, store, push] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const gatewayPorts: number[] = [];
    for (let i = 0; i < (this.options.gateways ?? 1); i++) gatewayPorts.push(await freePort());
    this.natsPrefix = `b${id}.`;
    this.env = {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/root',
      NODE_ENV: 'production',
      LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
      HTTP_HOST: '127.0.0.1',
      DATABASE_URL: this.options.db.url,
      REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      NATS_URL: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
      NATS_SUBJECT_PREFIX: this.natsPrefix,
      REDIS_KEY_PREFIX: `parley-bench-${id}:presence:`,
      PUSH_QUEUE_PREFIX: `parley-bench-${id}`,
      JWT_PRIVATE_KEY_FILE: this.options.keys.jwtPrivateKeyFile,
      JWT_PUBLIC_KEY_FILE: this.options.keys.jwtPublicKeyFile,
      MESSAGE_ENCRYPTION_KEYS_FILE: this.options.keys.messageKeysFile,
      // Users are registered in bulk from one address: cheap hashes, no registration limit.
      PASSWORD_SCRYPT_LOG_N: '12',
      REGISTRATIONS_PER_MINUTE: '100000',
      AUTH_PORT: String(auth),
      PRESENCE_PORT: String(presence),
      MESSAGE_STORE_PORT: String(store),
      PUSH_NOTIFIER_PORT: String(push),
      GATEWAY_PORT: String(gatewayPorts[0]),
      ...this.options.env,
    };
    for (const app of ['auth', 'message-store', 'push-notifier']) {
      await run('node', [join(ROOT, 'dist/apps', app, 'main.js'), 'migrate'], { env: this.env, timeout: 60_000 });
    }
    const { Supervisor, defaultApps } = supervisorModule();
    const appEnv = { ...this.env, BENCH_PROBE_DIR: this.options.probeDir, NODE_OPTIONS: [this.env['NODE_OPTIONS'], '--expose-gc', `--require ${probePath()}`].filter(Boolean).join(' ') };
    const apps = defaultApps({ root: ROOT, env: appEnv, gatewayPorts: gatewayPorts.length > 1 ? gatewayPorts : undefined });
    const logDir = join(ROOT, '.parley/logs/bench', `${this.options.label}-${id}`);
    mkdirSync(logDir, { recursive: true });
    this.supervisor = new Supervisor({ apps, logDir, restart: false, cwd: ROOT, log: () => undefined });
    await this.supervisor.start();
    await this.supervisor.waitReady(90_000);
    for (const port of gatewayPorts) this.gatewayUrls.push(`http://127.0.0.1:${port}`);
    this.gatewayNames.push(...(gatewayPorts.length > 1 ? gatewayPorts.map((_, i) => `chat-gateway-${i + 1}`) : ['chat-gateway']));
  }

  /** Pids of the five apps, by app name. */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.gatewayNames, 'auth', 'presence', 'message-store', 'push-notifier']) {
      const pid = this.supervisor?.pid(name);
      if (pid) out[name] = pid;
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.supervisor?.stop();
  }

  /**
   * The whole-stack test guard (tools/dev/supervisor.cjs): throws naming every app that exited
   * by itself or logged a fatal / unhandled error, with its lines. The bench test calls it after stop().
   */
  assertNoIncidents(): void {
    this.supervisor?.assertNoIncidents();
  }
}

export const resolveRoot = (...parts: string[]) => resolve(ROOT, ...parts);
