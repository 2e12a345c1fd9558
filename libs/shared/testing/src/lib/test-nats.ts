import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceQueue } from '@parley/contracts';
import {
  ensureNatsPasswords,
  NatsBus,
  natsPasswordFile,
  parleyNatsUsers,
  writeNatsServerConfig,
} from '@parley/shared/util-nats';

/**
 * NATS with authentication on, as `npm start` runs it: one identity per app with the
 * permissions derived from libs/contracts, so every whole-stack test also proves that each app
 * uses only the subjects it declares (a violation fails the request that needed it).
 */

const CANDIDATES = [
  '/usr/sbin/nats-server',
  '/usr/bin/nats-server',
  '/usr/local/bin/nats-server',
  '/opt/homebrew/bin/nats-server',
];

/** nats-server's path: NATS_SERVER_BIN, PATH, then the usual places; undefined when absent. */
export function natsServerBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const onPath = (env['PATH'] ?? '').split(':').map((d) => join(d, 'nats-server'));
  return [env['NATS_SERVER_BIN'], ...onPath, ...CANDIDATES].find((p): p is string => !!p && existsSync(p));
}

/** Writes the passwords (dir/passwords/<app>.password) and the server's config (dir/nats.conf). */
export function writeTestNatsConfig(options: { dir: string; port: number; subjectPrefix: string }): {
  configFile: string;
  passwordDir: string;
} {
  const passwordDir = join(options.dir, 'passwords');
  const passwords = ensureNatsPasswords(passwordDir);
  const configFile = join(options.dir, 'nats.conf');
  writeNatsServerConfig(configFile, {
    host: '127.0.0.1',
    port: options.port,
    storeDir: join(options.dir, 'js'),
    users: parleyNatsUsers(passwords, { subjectPrefix: options.subjectPrefix }),
  });
  return { configFile, passwordDir };
}

/** Which NATS identity an app of the supervisor runs as (chat-gateway-2 is a chat-gateway). */
function natsIdentityOf(appName: string): ServiceQueue | undefined {
  const base = appName.replace(/-\d+$/, '');
  return (['auth', 'chat-gateway', 'presence', 'message-store', 'push-notifier'] as const).find((a) => a === base);
}

/** NATS_PASSWORD_FILE for each app of a stack, from the directory writeTestNatsConfig filled. */
export function natsPasswordEnv(appName: string, passwordDir: string): Record<string, string> {
  const identity = natsIdentityOf(appName);
  return identity ? { NATS_USER: identity, NATS_PASSWORD_FILE: natsPasswordFile(passwordDir, identity) } : {};
}

export interface TestNats {
  url: string;
  passwordDir: string;
  stop(): Promise<void>;
}

/** A private authenticated nats-server with JetStream for one stack, on a free port. */
export async function startTestNats(options: { bin: string; port: number; subjectPrefix: string }): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-test-nats-'));
  const { configFile, passwordDir } = writeTestNatsConfig({
    dir,
    port: options.port,
    subjectPrefix: options.subjectPrefix,
  });
  const log = openSync(join(dir, 'server.log'), 'a');
  const proc: ChildProcess = spawn(options.bin, ['-c', configFile], { stdio: ['ignore', log, log] });
  closeSync(log);
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForNats(options.port, 20_000),
      exited.then(() => {
        throw new Error(`nats-server exited at start, see ${join(dir, 'server.log')}`);
      }),
    ]);
  } catch (err) {
    kill();
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${options.port}`,
    passwordDir,
    stop: async () => {
      process.off('exit', kill);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
        clearTimeout(timer);
        kill();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Until the server sends its INFO line (it listens a moment before it is ready). */
async function waitForNats(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.setTimeout(1000, () => (s.destroy(), resolve(false)));
      s.once('data', (d) => (s.destroy(), resolve(d.toString().startsWith('INFO'))));
      s.once('error', () => (s.destroy(), resolve(false)));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`nats-server on 127.0.0.1:${port} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A test's own NatsBus to the apps it started in-process: anonymous, at `url` (default NATS_URL,
 * else the local server), under the test's subject prefix; requests time out after 3 s by default.
 */
export function connectTestBus(options: {
  name: string;
  subjectPrefix?: string;
  requestTimeoutMs?: number;
  url?: string;
}): Promise<NatsBus> {
  return NatsBus.connect({
    url: options.url ?? process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
    name: options.name,
    requestTimeoutMs: options.requestTimeoutMs ?? 3000,
    subjectPrefix: options.subjectPrefix,
  });
}
