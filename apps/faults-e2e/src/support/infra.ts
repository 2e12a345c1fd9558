import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, natsServerBinary, WORKSPACE_ROOT, writeTestNatsConfig } from '@parley/shared/testing';
import { natsInboxPrefix } from '@parley/contracts';
import { natsPasswordFile } from '@parley/shared/util-nats';
import { connect } from 'nats';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Private NATS, Redis and PostgreSQL servers for one fault stack, on ports of their own.
 * Restarting the machine's shared servers would break every other run on this machine;
 * these can be killed and restarted at will.
 */

export async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = tcpConnect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => (s.destroy(), resolve(false)));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The binary's path as on PATH (not resolved: redis-server is a symlink that looks at its name). */
function which(bin: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`])
      .toString()
      .trim();
  } catch {
    throw new Error(`${bin} is not installed (tools/dev/ensure-infra.sh lists how to install it)`);
  }
}

/**
 * PostgreSQL's server binaries (pg_ctl, initdb): the lookup tools/dev/ensure-infra.sh uses, so
 * Debian's /usr/lib/postgresql/<version>/bin is found without pg_ctl on PATH.
 */
function pgBindir(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync('bash', [join(WORKSPACE_ROOT, 'tools/dev/pg-bindir.sh')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .toString()
      .trim();
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(why || `tools/dev/pg-bindir.sh failed: ${(err as Error).message}`);
  }
}

// Servers still running when this process exits (a failed run) are killed with it.
const live = new Set<() => void>();
process.on('exit', () => {
  for (const kill of live) kill();
});

/** A server run as a child process, killable with any signal and restartable on the same port. */
abstract class ChildServer {
  protected proc?: ChildProcess;
  private exited?: Promise<void>;

  protected constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  protected abstract command(): { bin: string; args: string[] };

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async up(): Promise<void> {
    const { bin, args } = this.command();
    const log = openSync(join(this.dir, 'server.log'), 'a');
    const proc = spawn(bin, args, { stdio: ['ignore', log, log], detached: false });
    closeSync(log);
    this.proc = proc;
    const killNow = () => proc.kill('SIGKILL');
    live.add(killNow);
    this.exited = new Promise((resolve) =>
      proc.once('exit', () => {
        live.delete(killNow);
        resolve();
      }),
    );
    const died = this.exited.then(() => {
      throw new Error(`${bin} exited at start, see ${join(this.dir, 'server.log')}`);
    });
    await Promise.race([waitForPort(this.port), died]);
  }

  /** Kills the server (SIGKILL: a crash; SIGTERM: a clean stop) and waits for its exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    await this.exited;
  }

  async restart(downMs = 1000, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await sleep(downMs);
    await this.up();
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** With authentication on, as npm start runs it: one identity per app (writeTestNatsConfig). */
export class PrivateNats extends ChildServer {
  private config!: { configFile: string; passwordDir: string };

  static async start(subjectPrefix: string): Promise<PrivateNats> {
    const server = new PrivateNats(await freePort(), mkdtempSync(join(tmpdir(), 'parley-faults-nats-')));
    // Its JetStream directory is in the config: the state survives a restart, as on a real volume.
    server.config = writeTestNatsConfig({ dir: server.dir, port: server.port, subjectPrefix });
    await server.up();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get passwordDir(): string {
    return this.config.passwordDir;
  }

  protected command() {
    return { bin: natsServerBinary() ?? which('nats-server'), args: ['-c', this.config.configFile] };
  }
}

/** One node of PrivateNatsCluster: its own client port, route port and JetStream directory. */
class NatsClusterNode extends ChildServer {
  constructor(
    port: number,
    dir: string,
    private readonly configFile: string,
    readonly name: string,
    private readonly monitorPort: number,
  ) {
    super(port, dir);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Names of the client connections this node holds (its monitoring endpoint /connz). */
  async connectionNames(): Promise<string[]> {
    const res = await fetch(`http://127.0.0.1:${this.monitorPort}/connz?limit=1024`);
    const body = (await res.json()) as { connections?: { name?: string }[] };
    return (body.connections ?? []).map((c) => c.name ?? '(unnamed)');
  }

  protected command() {
    return { bin: natsServerBinary() ?? which('nats-server'), args: ['-c', this.configFile] };
  }
}

/**
 * A NATS cluster of `size` nodes on this machine (full mesh of routes, JetStream on each), with
 * the authenticated per-app configuration of PrivateNats on every node: the same users and
 * passwords, so an app may connect to any node. Each node keeps its JetStream directory across
 * a restart, as a StatefulSet's volume does.
 */
export class PrivateNatsCluster {
  private constructor(
    readonly nodes: NatsClusterNode[],
    readonly passwordDir: string,
    private readonly dir: string,
  ) {}

  static async start(subjectPrefix: string, size = 3): Promise<PrivateNatsCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-faults-nats-cluster-'));
    const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
    const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    const monitorPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    // One config for the users and passwords, copied to every node with its ports and cluster block.
    const { configFile, passwordDir } = writeTestNatsConfig({ dir, port: ports[0], subjectPrefix });
    const base = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    const nodes = ports.map((port, i) => {
      const nodeDir = join(dir, `n${i + 1}`);
      mkdirSync(nodeDir);
      const nodeConfig = join(nodeDir, 'nats.conf');
      const config = {
        ...base,
        port,
        server_name: `n${i + 1}`,
        http: `127.0.0.1:${monitorPorts[i]}`,
        jetstream: { store_dir: join(nodeDir, 'js') },
        cluster: {
          name: 'parley-faults',
          host: '127.0.0.1',
          port: routePorts[i],
          routes: routePorts.filter((_, j) => j !== i).map((p) => `nats-route://127.0.0.1:${p}`),
        },
      };
      writeFileSync(nodeConfig, `${JSON.stringify(config, null, 2)}\n`);
      return new NatsClusterNode(port, nodeDir, nodeConfig, `n${i + 1}`, monitorPorts[i]);
    });
    const cluster = new PrivateNatsCluster(nodes, passwordDir, dir);
    try {
      await Promise.all(nodes.map((n) => n.up()));
      await cluster.waitForJetStream();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /**
   * Until the cluster has elected its JetStream meta leader (a few seconds after the nodes
   * listen): before, a stream cannot be created and auth would fail its start.
   */
  async waitForJetStream(timeoutMs = 30_000): Promise<void> {
    const nc = await connect({
      servers: this.nodes.map((n) => n.url),
      user: 'auth',
      pass: readFileSync(natsPasswordFile(this.passwordDir, 'auth'), 'utf8').trim(),
      inboxPrefix: natsInboxPrefix('auth'),
    });
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await (await nc.jetstreamManager({ timeout: 2000 })).getAccountInfo();
          return;
        } catch (err) {
          if (Date.now() > deadline)
            throw new Error(
              `JetStream of the NATS cluster not ready within ${timeoutMs} ms: ${(err as Error).message}`,
            );
          await sleep(200);
        }
      }
    } finally {
      await nc.close();
    }
  }

  /** NATS_URL for the apps: every node, comma-separated. */
  get url(): string {
    return this.nodes.map((n) => n.url).join(',');
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill('SIGKILL')));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class PrivateRedis extends ChildServer {
  private constructor(
    port: number,
    dir: string,
    private readonly policy: string,
  ) {
    super(port, dir);
  }

  static async start(options: { maxmemoryPolicy?: string } = {}): Promise<PrivateRedis> {
    const server = new PrivateRedis(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'parley-faults-redis-')),
      options.maxmemoryPolicy ?? 'noeviction',
    );
    await server.up();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  protected command() {
    // No persistence: a restart comes back empty, the worst case for presence.
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
    ];
    args.push('--maxmemory-policy', this.policy);
    if (this.policy !== 'noeviction') args.push('--maxmemory', '64mb');
    return { bin: which('redis-server'), args };
  }
}

/**
 * A private PostgreSQL cluster (initdb + pg_ctl, as tools/dev/ensure-infra.sh does), run as
 * the postgres OS user when we are root (PostgreSQL refuses to run as root).
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly bindir: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  static async start(): Promise<PrivatePostgres> {
    const bindir = pgBindir();
    const dir = mkdtempSync(join(tmpdir(), 'parley-faults-pg-'));
    const server = new PrivatePostgres(await freePort(), dir, bindir);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
    }
    await server.asPostgres(join(bindir, 'initdb'), [
      '-D',
      server.data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    const conf = join(server.data, 'postgresql.conf');
    writeFileSync(
      conf,
      `${readFileSync(conf, 'utf8')}\n# parley faults-e2e\nport = ${server.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 200\n`,
    );
    live.add(server.killSync);
    await server.up();
    return server;
  }

  private frozen: number[] = [];

  private readonly killSync = () => {
    this.signalAll(this.frozen, 'SIGCONT'); // a stopped postmaster would not hear pg_ctl stop
    try {
      const argv = [join(this.bindir, 'pg_ctl'), '-D', this.data, '-m', 'immediate', 'stop'];
      if (process.getuid?.() === 0)
        execFileSync('runuser', ['-u', 'postgres', '--', ...argv], { cwd: '/', stdio: 'ignore' });
      else execFileSync(argv[0], argv.slice(1), { stdio: 'ignore' });
    } catch {
      // not running
    }
  };

  private async asPostgres(bin: string, args: string[]): Promise<void> {
    const [cmd, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
    await run(cmd, argv, { cwd: '/', timeout: 120_000 });
  }

  async up(): Promise<void> {
    await this.asPostgres(join(this.bindir, 'pg_ctl'), [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
    await waitForPort(this.port);
  }

  /**
   * Freezes the whole server with SIGSTOP, the postmaster first (no new backends), then every
   * process it forked: connections stay open, the kernel still accepts new ones, but nothing
   * answers. A blackholed database, as a network partition looks to its clients.
   */
  freeze(): void {
    const postmaster = Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGSTOP');
    this.frozen = [postmaster];
    // Twice: a backend forked while the first list was read is caught by the second.
    for (let round = 0; round < 2; round++) {
      const children = childrenOf(postmaster).filter((pid) => !this.frozen.includes(pid));
      this.signalAll(children, 'SIGSTOP');
      this.frozen.push(...children);
    }
  }

  /** SIGCONT to everything freeze() stopped; returns how many processes were frozen. */
  thaw(): number {
    const n = this.frozen.length;
    this.signalAll([...this.frozen].reverse(), 'SIGCONT');
    this.frozen = [];
    return n;
  }

  private signalAll(pids: number[], signal: NodeJS.Signals): void {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }

  /** `immediate` is a crash (no checkpoint, clients cut); `fast` a clean stop. */
  async down(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.asPostgres(join(this.bindir, 'pg_ctl'), ['-D', this.data, '-m', mode, '-w', 'stop']);
  }

  async restart(downMs = 1000, mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.down(mode);
    await sleep(downMs);
    await this.up();
  }

  async stop(): Promise<void> {
    live.delete(this.killSync);
    this.thaw();
    await this.down('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The pids whose parent is `ppid` (Linux /proc). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // stat: "pid (comm) state ppid ..."; comm may hold spaces or parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
