import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@parley/shared/testing';

export type LoadgenEvent = Record<string, unknown> & { event: string };

const LOADGEN = join(WORKSPACE_ROOT, 'dist/tools/loadgen/main.js');

const children = new Set<ChildProcess>();

/** Stops every load generator still running (its workers exit with it). */
export function stopLoadgens(): void {
  for (const child of children) child.kill('SIGTERM');
}

/**
 * Runs the load generator (dist/tools/loadgen/main.js) and resolves with its final
 * summary; every JSON line it prints is passed to onEvent as it comes.
 */
export function runLoadgen(
  args: string[],
  onEvent: (e: LoadgenEvent) => void = () => undefined,
): Promise<LoadgenEvent> {
  return new Promise((resolve, reject) => {
    // The measured servers get the probe through NODE_OPTIONS; the client must not.
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const child = spawn(process.execPath, [LOADGEN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    children.add(child);
    let summary: LoadgenEvent | undefined;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8000);
      if (process.env['BENCH_VERBOSE']) process.stderr.write(d);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let e: LoadgenEvent;
      try {
        e = JSON.parse(line) as LoadgenEvent;
      } catch {
        return;
      }
      if (e.event === 'summary' || e.event === 'seeded') summary = e;
      onEvent(e);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      children.delete(child);
      if (code === 0 && summary) resolve(summary);
      else
        reject(new Error(`loadgen ${args[0]} exited with ${code}: ${stderr.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}
