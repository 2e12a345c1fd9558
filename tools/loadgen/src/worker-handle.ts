import type { ChildProcess } from 'node:child_process';
import type { FromWorker, ToWorker } from './protocol';

/** The coordinator's end of one worker process: a request, then the answer it expects. */
export class WorkerHandle {
  private waiters: { expect: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (err: Error) => void }[] =
    [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromWorker) => {
      const w = this.waiters.shift();
      if (!w) return;
      if (m.type === 'error') w.reject(new Error(`load worker failed: ${m.message}`));
      else if (m.type !== w.expect) w.reject(new Error(`load worker answered ${m.type}, expected ${w.expect}`));
      else w.resolve(m);
    });
    child.on('exit', (code, signal) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`load worker exited (${signal ?? code})`));
    });
  }

  request<T extends FromWorker['type']>(msg: ToWorker, expect: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ expect, resolve: (m) => resolve(m as Extract<FromWorker, { type: T }>), reject });
      this.child.send(msg);
    });
  }
}
