'use strict';
/**
 * Benchmark probe, preloaded into every measured server process with
 *   NODE_OPTIONS="--expose-gc --require <this file>"  and  BENCH_PROBE_DIR=<dir>
 * so Parley's apps and the bare relay are measured the same way without code of
 * their own. On SIGWINCH (not SIGUSR2: Nest's shutdown hooks take that one) it reads <dir>/cmd-<pid> (default "mem") and:
 *   mem         full GC twice, then writes process.memoryUsage() to <dir>/mem-<pid>.json
 *   prof-start  starts the V8 CPU profiler (node's --cpu-prof is not allowed in NODE_OPTIONS)
 *   prof-stop   writes the profile to <dir>/<name>-<pid>.cpuprofile (open in Chrome DevTools);
 *               "prof-stop LABEL" to <dir>/<name>-<pid>-LABEL.cpuprofile
 *   heap        writes a heap snapshot to <dir>/heap-<pid>-<time>.heapsnapshot
 * Without BENCH_PROBE_DIR it does nothing.
 */
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  let session;
  const write = (file, data) => fs.writeFileSync(path.join(dir, file), data);
  process.on('SIGWINCH', () => {
    let line = '';
    try {
      line = fs.readFileSync(path.join(dir, `cmd-${process.pid}`), 'utf8').trim();
    } catch {
      // no command file: memory
    }
    const [word, label] = line.split(/\s+/);
    const cmd = word || 'mem';
    if (cmd === 'mem') {
      if (typeof global.gc === 'function') {
        global.gc();
        global.gc();
      }
      write(`mem-${process.pid}.json`, JSON.stringify({ ...process.memoryUsage(), at: Date.now() }));
    } else if (cmd === 'heap') {
      require('node:v8').writeHeapSnapshot(path.join(dir, `heap-${process.pid}-${Date.now()}.heapsnapshot`));
    } else if (cmd === 'prof-start') {
      const inspector = require('node:inspector');
      session = new inspector.Session();
      session.connect();
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
      );
    } else if (cmd === 'prof-stop' && session) {
      session.post('Profiler.stop', (err, result) => {
        if (!err) {
          const name =
            path.basename(process.argv[1] || 'node', '.js') === 'main'
              ? path.basename(path.dirname(process.argv[1]))
              : path.basename(process.argv[1] || 'node', '.js');
          // Written aside, then renamed: whoever waits for the file never reads half of it.
          const file = `${name}-${process.pid}${label ? `-${label}` : ''}.cpuprofile`;
          write(`${file}.part`, JSON.stringify(result.profile));
          fs.renameSync(path.join(dir, `${file}.part`), path.join(dir, file));
        }
        session.disconnect();
        session = undefined;
      });
    }
  });
}
