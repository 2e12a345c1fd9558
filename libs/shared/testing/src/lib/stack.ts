import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
// The supervisor is plain CommonJS shared with `npm start`; its types sit beside it.
// eslint-disable-next-line @nx/enforce-module-boundaries
import type { AppSpec, IncidentAllowance, Supervisor as SupervisorType } from '../../../../../tools/dev/supervisor.cjs';
import { createTestDatabase, type TestDatabase } from './test-database';
import { createTestKeys, type TestKeys } from './test-keys';
import { TEST_REDIS_CLUSTER_NODES } from './redis-targets';
import { natsPasswordEnv, natsServerBinary, startTestNats, type TestNats } from './test-nats';

const run = promisify(execFile);
/** The first folder above this file holding nx.json: from the source, or bundled into dist/ (the bench). */
export const WORKSPACE_ROOT = (() => {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) if (existsSync(join(dir, 'nx.json'))) return dir;
  return process.cwd();
})();

// createRequire: a bundler leaves it alone, so a bundle runs the same supervisor file as `npm start`.
const { Supervisor, defaultApps } = createRequire(join(WORKSPACE_ROOT, 'package.json'))(
  join(WORKSPACE_ROOT, 'tools/dev/supervisor.cjs'),
) as typeof import('../../../../../tools/dev/supervisor.cjs');

/** Ports this process handed out: the OS may offer a port again once its probe socket closed. */
const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1, never one this process handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function probePort(): Promise<number> {
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

export interface StackOptions {
  label: string;
  gateways?: number;
  /** Extra environment for every app (e.g. a short PRESENCE_TTL_SECONDS). */
  env?: Record<string, string>;
  restart?: boolean;
  /**
   * An authenticated NATS the caller runs (its config written by writeTestNatsConfig for this
   * stack's NATS_SUBJECT_PREFIX, given in env). Absent: the stack starts one of its own.
   */
  nats?: { url: string; passwordDir: string };
  /**
   * Replicas of a back-end app (default 1): n > 1 runs `<app>-1` ... `<app>-n`, each on a port
   * of its own, all in the app's NATS queue group (as Kubernetes runs them).
   */
  replicas?: Partial<Record<ReplicatedApp, number>>;
  /** A database the caller made and drops itself (absent: one of the stack's own, dropped by stop()). */
  db?: TestDatabase;
  /** Keys the caller made (absent: fresh ones). */
  keys?: TestKeys;
  /** Extra environment for the apps' processes only, not their migrations (e.g. a preloaded probe). */
  appEnv?: Record<string, string>;
  /** The apps' logs go to .parley/logs/<logs>/<label>-<id> (default e2e). */
  logs?: string;
  /** Run the stack's Redis on the test Redis Cluster (TEST_REDIS_CLUSTER_NODES) instead of one server. */
  redisCluster?: boolean;
  /** The checkout whose dist/apps run (default this workspace): the bench's baseline build of an earlier commit. */
  root?: string;
}

/** The apps `replicas` may multiply, and the variable naming each one's HTTP port. */
const PORT_VARS = {
  auth: 'AUTH_PORT',
  presence: 'PRESENCE_PORT',
  'message-store': 'MESSAGE_STORE_PORT',
  'push-notifier': 'PUSH_NOTIFIER_PORT',
} as const;
export type ReplicatedApp = keyof typeof PORT_VARS;

/**
 * A whole Parley stack from dist/ as real processes, isolated from any other stack on
 * this machine: its own database, NATS subject prefix, Redis prefixes, ports and keys.
 *
 * stop() is also the guard of every whole-stack test file: it throws (failing the file from
 * afterAll) if an app exited without being asked to or logged a fatal / unhandled error, beyond
 * what the test declared with expectRestarts() / expectFatalLogs(). A kill() through the
 * supervisor is a declared fault by itself.
 */
export class TestStack {
  readonly gatewayUrls: string[] = [];
  /** The gateways' gRPC edges (host:port), in the order of gatewayUrls. */
  readonly gatewayGrpcAddresses: string[] = [];
  authUrl = '';
  supervisor!: SupervisorType;
  env: Record<string, string> = {};
  db!: TestDatabase;
  keys!: TestKeys;
  private readonly allowed: IncidentAllowance = {};

  private constructor(private readonly options: StackOptions) {}

  private get root(): string {
    return this.options.root ?? WORKSPACE_ROOT;
  }

  static async start(options: StackOptions): Promise<TestStack> {
    const stack = new TestStack(options);
    try {
      await stack.boot();
    } catch (err) {
      await stack.stop().catch(() => undefined);
      throw err;
    }
    return stack;
  }

  get gatewayUrl(): string {
    return this.gatewayUrls[0];
  }

  /** The first gateway's gRPC edge, host:port (GATEWAY_GRPC_PORT). */
  get gatewayGrpcAddress(): string {
    return this.gatewayGrpcAddresses[0];
  }

  private async boot(): Promise<void> {
    this.db = this.options.db ?? (await createTestDatabase(this.options.label));
    this.keys = this.options.keys ?? createTestKeys();
    const id = randomUUID().slice(0, 8);
    const subjectPrefix = this.options.env?.['NATS_SUBJECT_PREFIX'] ?? `e${id}.`;
    // A NATS_URL in env: that server as it is (anonymous), for probes that talk to the apps' subjects themselves.
    const nats =
      this.options.nats ?? (this.options.env?.['NATS_URL'] ? undefined : await this.startOwnNats(subjectPrefix));
    const [auth, presence, store, push] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const gatewayPorts: number[] = [];
    const gatewayGrpcPorts: number[] = [];
    for (let i = 0; i < (this.options.gateways ?? 1); i++) {
      gatewayPorts.push(await freePort());
      gatewayGrpcPorts.push(await freePort());
    }
    this.env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      HTTP_HOST: '127.0.0.1',
      DATABASE_URL: this.db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      NATS_URL: nats?.url ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      NATS_SUBJECT_PREFIX: subjectPrefix,
      REDIS_KEY_PREFIX: `parley-e2e-${id}:presence:`,
      // On a cluster BullMQ's keys need one hash tag.
      PUSH_QUEUE_PREFIX: this.options.redisCluster ? `{parley-e2e-${id}}` : `parley-e2e-${id}`,
      ...(this.options.redisCluster ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES } : {}),
      JWT_PRIVATE_KEY_FILE: this.keys.jwtPrivateKeyFile,
      JWT_PUBLIC_KEY_FILE: this.keys.jwtPublicKeyFile,
      MESSAGE_ENCRYPTION_KEYS_FILE: this.keys.messageKeysFile,
      // Fast hashes: the suites register many users (the production default 17 is tested in auth).
      PASSWORD_SCRYPT_LOG_N: '12',
      // Every test user registers from 127.0.0.1; limits counted under this stack's own keys.
      REGISTRATIONS_PER_MINUTE: '100000',
      RATE_LIMIT_REDIS_KEY_PREFIX: `parley-e2e-${id}:rate:`,
      MESSAGE_PARTITIONS: '4',
      AUTH_PORT: String(auth),
      PRESENCE_PORT: String(presence),
      MESSAGE_STORE_PORT: String(store),
      PUSH_NOTIFIER_PORT: String(push),
      GATEWAY_PORT: String(gatewayPorts[0]),
      GATEWAY_GRPC_PORT: String(gatewayGrpcPorts[0]),
      ...this.options.env,
    };
    for (const app of ['auth', 'message-store', 'push-notifier']) {
      await run('node', [join(this.root, 'dist/apps', app, 'main.js'), 'migrate'], {
        env: this.env,
        timeout: 60_000,
      });
    }
    const apps: AppSpec[] = await this.withReplicas(
      defaultApps({
        root: this.root,
        env: { ...this.env, ...this.options.appEnv },
        gatewayPorts: gatewayPorts.length > 1 ? gatewayPorts : undefined,
        gatewayGrpcPorts: gatewayPorts.length > 1 ? gatewayGrpcPorts : undefined,
      }),
    );
    if (nats) for (const app of apps) app.env = { ...app.env, ...natsPasswordEnv(app.name, nats.passwordDir) };
    this.supervisor = new Supervisor({
      apps,
      logDir: join(WORKSPACE_ROOT, '.parley/logs', this.options.logs ?? 'e2e', `${this.options.label}-${id}`),
      restart: this.options.restart ?? true,
      backoff: { initialMs: 200, maxMs: 2000 },
      cwd: this.root,
      log: () => undefined,
    });
    await this.supervisor.start();
    await this.supervisor.waitReady(90_000);
    this.authUrl = `http://127.0.0.1:${auth}`;
    for (const port of gatewayPorts) this.gatewayUrls.push(`http://127.0.0.1:${port}`);
    for (const port of gatewayGrpcPorts) this.gatewayGrpcAddresses.push(`127.0.0.1:${port}`);
  }

  private ownNats?: TestNats;

  /** Each app with replicas > 1 becomes `<app>-1` ... `<app>-n`, the first on the stack's port for it. */
  private async withReplicas(apps: AppSpec[]): Promise<AppSpec[]> {
    const out: AppSpec[] = [];
    for (const app of apps) {
      const n = this.options.replicas?.[app.name as ReplicatedApp] ?? 1;
      if (n <= 1) {
        out.push(app);
        continue;
      }
      const portVar = PORT_VARS[app.name as ReplicatedApp];
      for (let i = 1; i <= n; i++) {
        const port = i === 1 ? app.port : await freePort();
        out.push({ ...app, name: `${app.name}-${i}`, port, env: { ...app.env, [portVar]: String(port) } });
      }
    }
    return out;
  }

  /** Names of an app's processes: `<app>-1` ... `<app>-n` when it runs replicas, else the app's name. */
  appNames(app: ReplicatedApp): string[] {
    const n = this.options.replicas?.[app] ?? 1;
    return n <= 1 ? [app] : Array.from({ length: n }, (_, i) => `${app}-${i + 1}`);
  }

  /** Authentication on, as npm start runs NATS; without a nats-server binary, the shared NATS_URL. */
  private async startOwnNats(subjectPrefix: string): Promise<TestNats | undefined> {
    const bin = natsServerBinary();
    if (!bin) {
      process.stderr.write('TestStack: no nats-server binary, so this stack uses NATS_URL without authentication\n');
      return undefined;
    }
    this.ownNats = await startTestNats({ bin, port: await freePort(), subjectPrefix });
    return this.ownNats;
  }

  /** Names of the gateway processes, in the order of gatewayUrls. */
  gatewayNames(): string[] {
    return this.gatewayUrls.length > 1 ? this.gatewayUrls.map((_, i) => `chat-gateway-${i + 1}`) : ['chat-gateway'];
  }

  /**
   * Declares that the test makes `app` exit by itself (not through supervisor.kill(), which
   * counts as declared), up to `times`; the guard then does not count those exits.
   */
  expectRestarts(app: string, times = Number.POSITIVE_INFINITY): void {
    this.allowed[app] = { ...this.allowed[app], exits: times };
  }

  /** Declares that the test makes `app` log fatal / unhandled-error lines on purpose, up to `times`. */
  expectFatalLogs(app: string, times = Number.POSITIVE_INFINITY): void {
    this.allowed[app] = { ...this.allowed[app], fatalLines: times };
  }

  /** The guard, callable mid-file too: throws naming each app with undeclared incidents and its lines. */
  assertNoIncidents(): void {
    this.supervisor?.assertNoIncidents({ allow: this.allowed });
  }

  /** Stops the apps, drops the database (unless the caller's), then runs the guard (shutdown errors count too). */
  async stop(): Promise<void> {
    try {
      await this.supervisor?.stop();
    } finally {
      if (!this.options.db) await this.db?.drop();
      await this.ownNats?.stop();
    }
    this.assertNoIncidents();
  }
}
