import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@parley/shared/testing';
import { sleep } from './log';

export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Asks a probed process (see probe/mem-probe.cjs) to GC and report its memory. */
export async function probeMemory(probeDir: string, pid: number, timeoutMs = 10_000): Promise<MemoryUsage> {
  const file = join(probeDir, `mem-${pid}.json`);
  rmSync(file, { force: true });
  writeFileSync(join(probeDir, `cmd-${pid}`), 'mem');
  process.kill(pid, 'SIGWINCH');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as MemoryUsage;
      } catch {
        // being written
      }
    }
    await sleep(50);
  }
  throw new Error(`process ${pid} did not answer the memory probe`);
}

/**
 * Starts or stops the V8 CPU profiler inside a probed process (stop writes
 * <dir>/<app>-<pid>.cpuprofile, or <app>-<pid>-<label>.cpuprofile), or writes a heap snapshot (heap).
 */
export function probeProfiler(
  probeDir: string,
  pid: number,
  command: 'prof-start' | 'prof-stop' | 'heap',
  label?: string,
): void {
  writeFileSync(join(probeDir, `cmd-${pid}`), label ? `${command} ${label}` : command);
  process.kill(pid, 'SIGWINCH');
}

/** The probe preloaded into measured servers (dist beside main.js, or the source). */
export function probePath(): string {
  const built = join(__dirname, 'mem-probe.cjs');
  return existsSync(built) ? built : join(WORKSPACE_ROOT, 'tools/bench/src/probe/mem-probe.cjs');
}
