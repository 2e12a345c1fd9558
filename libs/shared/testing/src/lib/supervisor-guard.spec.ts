import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries
import type { Supervisor as SupervisorType } from '../../../../../tools/dev/supervisor.cjs';
import { WORKSPACE_ROOT } from './stack';

const { Supervisor, incidentProblems } = require(
  join(WORKSPACE_ROOT, 'tools/dev/supervisor.cjs'),
) as typeof import('../../../../../tools/dev/supervisor.cjs');

/**
 * The whole-stack test guard (Supervisor.incidents / assertNoIncidents) over real child
 * processes: tiny fake apps that crash, log a fatal pino line, or are killed on purpose.
 */
describe('supervisor incident guard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-guard-'));
  const script = (name: string, body: string) => {
    const file = join(dir, `${name}.js`);
    writeFileSync(file, body);
    return file;
  };
  const stayAlive = 'setInterval(() => undefined, 1000);\n';
  const pinoLine = (level: number, msg: string) =>
    JSON.stringify({ level, time: Date.now(), pid: 1, msg, err: { message: 'boom' } });
  let sup: SupervisorType;

  const start = async (apps: { name: string; script: string }[]) => {
    sup = new Supervisor({
      apps,
      logDir: join(dir, `logs-${Date.now()}`),
      backoff: { initialMs: 50, maxMs: 50 },
      log: () => undefined,
    });
    await sup.start();
    return sup;
  };
  const problems = (allow = {}) => {
    try {
      sup.assertNoIncidents({ allow });
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  afterEach(async () => {
    await sup?.stop();
  });

  it('reports an app that crashed by itself, with its uncaught-exception line, and restarts it', async () => {
    const crashOnce = script(
      'crasher',
      `const fs = require('fs'); const flag = ${JSON.stringify(join(dir, 'crashed'))};
       if (!fs.existsSync(flag)) { fs.writeFileSync(flag, '1'); console.log(${JSON.stringify(pinoLine(60, 'uncaught exception'))}); process.exit(1); }
       ${stayAlive}`,
    );
    await start([
      { name: 'crasher', script: crashOnce },
      { name: 'calm', script: script('calm', stayAlive) },
    ]);
    await sup.waitForEvent('restarted', 'crasher', 10_000);
    const [crasher, calm] = sup.incidents();
    expect(crasher).toMatchObject({ name: 'crasher', restarts: 1, unexpectedExits: 1, deliberateExits: 0 });
    expect(crasher.fatalLines).toHaveLength(1);
    expect(crasher.fatalCount).toBe(1);
    expect(calm).toMatchObject({ restarts: 0, unexpectedExits: 0, fatalLines: [] });
    const message = problems();
    expect(message).toMatch(/crasher: exited 1 time\(s\) without being asked to/);
    expect(message).toMatch(/crasher: logged 1 fatal .*\n.*"msg":"uncaught exception"/);
    expect(message).not.toMatch(/calm/);
    // Declared by the test: the guard lets it pass.
    expect(problems({ crasher: { exits: 1, fatalLines: 1 } })).toBe('');
  });

  it('reports an app that logged an unhandled rejection (any level) or a fatal line, without exiting', async () => {
    await start([
      {
        name: 'rejecter',
        script: script(
          'rejecter',
          `console.log(${JSON.stringify(pinoLine(50, 'unhandled rejection'))});\n${stayAlive}`,
        ),
      },
      {
        name: 'fatal',
        script: script(
          'fatal',
          `console.log('not json');\nconsole.log(${JSON.stringify(pinoLine(60, 'disk on fire'))});\n${stayAlive}`,
        ),
      },
      {
        name: 'noisy',
        script: script('noisy', `console.log(${JSON.stringify(pinoLine(50, 'a handled error'))});\n${stayAlive}`),
      },
    ]);
    const deadline = Date.now() + 10_000;
    while (sup.incidents().filter((i) => i.fatalLines.length > 0).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const message = problems();
    expect(message).toMatch(/rejecter: logged 1 fatal \/ unhandled error line/);
    expect(message).toMatch(/fatal: logged 1 fatal .*\n.*disk on fire/);
    expect(message).not.toMatch(/noisy/);
  });

  it('does not count a kill() the test asked for, nor stop(); counts a crash of the restarted app', async () => {
    await start([{ name: 'victim', script: script('victim', stayAlive) }]);
    await sup.kill('victim', 'SIGKILL');
    await sup.waitForEvent('restarted', 'victim', 10_000);
    expect(sup.incidents()[0]).toMatchObject({ restarts: 1, deliberateExits: 1, unexpectedExits: 0 });
    expect(problems()).toBe('');
    // The same app dying without kill(): a crash.
    process.kill(sup.pid('victim') as number, 'SIGKILL');
    await sup.waitForEvent('restarted', 'victim', 10_000);
    expect(sup.incidents()[0]).toMatchObject({ restarts: 2, deliberateExits: 1, unexpectedExits: 1 });
    expect(problems()).toMatch(/victim: exited 1 time\(s\) without being asked to \(allowed 0; restarts 2\)/);
    await sup.stop();
    expect(sup.incidents()[0].unexpectedExits).toBe(1);
  });

  it("reads each running app's memory high-water mark from /proc", async () => {
    await start([{ name: 'mem', script: script('mem', stayAlive) }]);
    await sup.waitReady(10_000);
    // Right after spawn the process may still be exec'ing node (VmHWM 0): wait for it to run.
    const deadline = Date.now() + 10_000;
    while (!(sup.memory()['mem']?.hwmMiB > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const mem = sup.memory()['mem'];
    expect(mem.pid).toBe(sup.pid('mem'));
    expect(mem.hwmMiB).toBeGreaterThan(0);
    expect(mem.hwmMiB).toBeGreaterThanOrEqual(mem.rssMiB);
  });

  it('incidentProblems: one line per app over its allowance', () => {
    const clean = { restarts: 0, deliberateExits: 0, unexpectedExits: 0, fatalCount: 0, fatalLines: [] };
    expect(incidentProblems([{ name: 'a', ...clean }])).toEqual([]);
    expect(incidentProblems([{ name: 'a', ...clean, unexpectedExits: 2, restarts: 2 }], { a: { exits: 1 } })).toEqual([
      'a: exited 2 time(s) without being asked to (allowed 1; restarts 2)',
    ]);
    expect(
      incidentProblems([{ name: 'b', ...clean, fatalCount: 1, fatalLines: ['{"level":60}'] }], {
        a: { fatalLines: 5 },
      }),
    ).toHaveLength(1);
    // Counted past the lines it keeps.
    const many = incidentProblems([
      { name: 'c', ...clean, fatalCount: 500, fatalLines: Array.from({ length: 20 }, () => '{"level":60}') },
    ]);
    expect(many[0]).toMatch(/c: logged 500 fatal .*\n(.*\n){5} {4}\.\.\. and 495 more$/);
  });
});
