import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, WORKSPACE_ROOT } from '@parley/shared/testing';
import { probePath } from './probe';

/** The bare Socket.IO relay (relay.js beside main.js once built) as its own process, with the probe. */
export class RelayProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(options: {
    populationFile?: string;
    publicKeyFile: string;
    probeDir: string;
    logFile: string;
  }): Promise<RelayProcess> {
    const built = join(WORKSPACE_ROOT, 'dist/tools/bench/relay.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: build the bench (nx build bench)`);
    const port = await freePort();
    const out = openSync(options.logFile, 'a');
    const child = spawn(process.execPath, [built], {
      env: {
        PATH: process.env['PATH'] ?? '',
        RELAY_PORT: String(port),
        RELAY_POPULATION_FILE: options.populationFile ?? '',
        RELAY_JWT_PUBLIC_KEY_FILE: options.publicKeyFile,
        BENCH_PROBE_DIR: options.probeDir,
        NODE_OPTIONS: `--expose-gc --require ${probePath()}`,
      },
      stdio: ['ignore', out, out],
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        if ((await fetch(`${url}/health/ready`)).status === 200) break;
      } catch {
        // not yet listening
      }
      if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode} (see ${options.logFile})`);
      if (Date.now() > deadline) throw new Error('relay did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    return new RelayProcess(child, url);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
