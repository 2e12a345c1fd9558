#!/usr/bin/env node
'use strict';
/**
 * Parley process supervisor: a reusable module (for e2e / fault tests) and the `npm start` CLI.
 *
 * Module:
 *   const { Supervisor, defaultApps, stackEnv } = require('<repo>/tools/dev/supervisor.cjs');
 *   const sup = new Supervisor({
 *     apps: [{ name: 'auth', script: 'dist/apps/auth/main.js', port: 3001, env: { AUTH_PORT: '3001' } }],
 *     logDir: '.parley/logs',          // optional; without it output is inherited with a "[name] " prefix
 *     restart: true,                   // restart apps that exit unexpectedly
 *     backoff: { initialMs: 500, maxMs: 10000 },
 *     onEvent: (e) => {},              // { type: 'spawn'|'exit'|'restarting'|'restarted'|'ready'|'stopped', name, ... }
 *   });
 *   await sup.start();                 // spawns every app (`node <script> ...args`)
 *   await sup.waitReady(60_000);       // GET http://127.0.0.1:<port>/health/ready == 200 for all
 *   await sup.kill('presence');        // SIGKILL one app (fault test); resolves on its exit, then it is restarted
 *   await sup.waitReady(30_000, ['presence']);
 *   sup.pid('presence');
 *   await sup.stop();                  // SIGTERM all, SIGKILL after 10 s each; resolves when all exited
 *   sup.incidents();                   // per app: restarts, exits nobody asked for, fatal log lines
 *   sup.assertNoIncidents({ allow: { 'message-store': { exits: 1 } } }); // the test-run guard
 *   sup.memory();                      // per app: VmHWM / VmRSS from /proc (Linux)
 *
 * CLI: node tools/dev/supervisor.cjs [--no-restart] [--gateways N] [--ready-timeout SECONDS] [--stdout]
 *   Starts the five apps from dist/, waits for readiness, prints the URLs, stops all on SIGINT/SIGTERM.
 */

const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');

// Every live supervisor, so that an abrupt process exit (uncaught error, forgotten stop()) does not
// leave detached children behind.
const live = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const sup of live) sup._killAllSync();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function describeExit(code, signal) {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function cleanEnv(env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

/** GET url; resolves { status } or { error } within timeoutMs. Never rejects. */
function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ error: e.code || e.message }));
  });
}

/** True if something accepts TCP connections on host:port. */
function portInUse(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (v) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function fileSize(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

// What the apps' process-wide handlers log (pino, one JSON line) before anything else.
const UNHANDLED_MSGS = new Set(['unhandled rejection', 'uncaught exception']);
const FATAL_LEVEL = 60;
// Cheap filter before JSON.parse: a level of 60 or more, or one of the two messages.
const MAYBE_FATAL = /"level":\s*(?:[6-9]\d|\d{3,})|unhandled rejection|uncaught exception/;

/** Keeps the line in s.fatal when it is a pino line at fatal level or naming an unhandled error. */
function inspectLogLine(s, line) {
  if (!line || line[0] !== '{' || !MAYBE_FATAL.test(line)) return;
  let rec;
  try {
    rec = JSON.parse(line);
  } catch {
    return;
  }
  const level = typeof rec.level === 'number' ? rec.level : rec.level === 'fatal' ? FATAL_LEVEL : 0;
  if (level >= FATAL_LEVEL || UNHANDLED_MSGS.has(rec.msg)) {
    s.fatalCount += 1;
    // The first ones are kept to show; an app looping on errors must not fill this process.
    if (s.fatal.length < 20) s.fatal.push(line.length > 4000 ? `${line.slice(0, 4000)}...` : line);
  }
}

/**
 * The guard's verdict on incidents() (pure, so it is unit-tested): one problem line per app with
 * more unexpected exits or fatal lines than `allow[app]` grants ({ exits?, fatalLines? }, default 0).
 */
function incidentProblems(incidents, allow = {}) {
  const problems = [];
  for (const i of incidents) {
    const a = allow[i.name] || {};
    const exitsAllowed = a.exits ?? 0;
    const fatalAllowed = a.fatalLines ?? 0;
    const fatalCount = i.fatalCount ?? i.fatalLines.length;
    if (i.unexpectedExits > exitsAllowed) {
      problems.push(
        `${i.name}: exited ${i.unexpectedExits} time(s) without being asked to (allowed ${exitsAllowed}; restarts ${i.restarts})`,
      );
    }
    if (fatalCount > fatalAllowed) {
      const shown = i.fatalLines.slice(0, 5).map((l) => `    ${l}`);
      if (fatalCount > shown.length) shown.push(`    ... and ${fatalCount - shown.length} more`);
      problems.push(
        `${i.name}: logged ${fatalCount} fatal / unhandled error line(s) (allowed ${fatalAllowed}):\n${shown.join('\n')}`,
      );
    }
  }
  return problems;
}

class Supervisor extends EventEmitter {
  /**
   * @param {object} opts
   * @param {{name:string, script:string, port?:number, env?:object, args?:string[], nodeArgs?:string[],
   *          host?:string, readyPath?:string}[]} opts.apps
   * @param {string} [opts.logDir]   append each app's stdout+stderr to <logDir>/<name>.log
   * @param {(e:object)=>void} [opts.onEvent]
   * @param {boolean} [opts.restart=true]
   * @param {{initialMs?:number, maxMs?:number}} [opts.backoff]
   * @param {number} [opts.stableMs=30000]      uptime after which the backoff resets
   * @param {number} [opts.stopTimeoutMs=10000] SIGTERM grace period per app
   * @param {string} [opts.cwd]                 working dir of the apps and base of relative paths (repo root)
   * @param {object} [opts.env]                 base environment (default process.env); app.env is merged on top
   * @param {boolean} [opts.checkPorts=true]    start() fails if an app's port is already taken
   * @param {boolean} [opts.rotateLogs=false]   start() renames an existing <name>.log to <name>.log.1
   * @param {(msg:string)=>void} [opts.log]     supervisor messages (default: stderr, "[supervisor] " prefix)
   */
  constructor(opts = {}) {
    super();
    const apps = opts.apps;
    if (!Array.isArray(apps) || apps.length === 0) throw new Error('Supervisor: opts.apps must be a non-empty array');
    this.cwd = path.resolve(opts.cwd || ROOT);
    this.logDir = opts.logDir ? path.resolve(this.cwd, opts.logDir) : undefined;
    this.restart = opts.restart !== false;
    this.backoff = { initialMs: 500, maxMs: 10000, ...(opts.backoff || {}) };
    this.stableMs = opts.stableMs ?? 30000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 10000;
    this.baseEnv = opts.env || process.env;
    this.checkPorts = opts.checkPorts !== false;
    this.rotateLogs = !!opts.rotateLogs;
    this.onEvent = opts.onEvent;
    this._log = opts.log || ((m) => process.stderr.write(`[supervisor] ${m}\n`));
    this.stopping = false;
    this.apps = new Map();
    const ports = new Map();
    for (const app of apps) {
      if (!app || typeof app.name !== 'string' || !app.name) throw new Error('Supervisor: every app needs a name');
      if (typeof app.script !== 'string' || !app.script) throw new Error(`Supervisor: app ${app.name} needs a script`);
      if (this.apps.has(app.name)) throw new Error(`Supervisor: duplicate app name ${app.name}`);
      if (app.port != null) {
        if (ports.has(app.port))
          throw new Error(`Supervisor: ${app.name} and ${ports.get(app.port)} share port ${app.port}`);
        ports.set(app.port, app.name);
      }
      this.apps.set(app.name, {
        app: { ...app, script: path.resolve(this.cwd, app.script) },
        child: null,
        startedAt: 0,
        attempts: 0, // consecutive unexpected exits (reset after stableMs of uptime)
        restarts: 0, // total restarts
        timer: null,
        wanted: false, // should be running
        lastExit: null,
        exitWaiters: [],
        ring: [], // last output lines when there is no logDir
        deliberateExits: 0, // exits asked for by kill(): a fault the test injected
        unexpectedExits: 0, // exits nobody asked for (a crash), with or without a restart after
        killPending: 0, // kill() calls whose exit has not come yet
        fatal: [], // the first log lines at level >= 60 or naming an unhandled rejection / uncaught exception
        fatalCount: 0, // all of them
        scan: null, // { offset, partial }: how far the log file has been read for fatal lines
        logFile: this.logDir ? path.join(this.logDir, `${app.name}.log`) : undefined,
      });
    }
  }

  // ------------------------------------------------------------------ public API

  /** Spawns every app. Rejects (and spawns nothing) if a script is missing or a port is taken. */
  async start() {
    this.stopping = false;
    const missing = [...this.apps.values()].filter((s) => !fs.existsSync(s.app.script)).map((s) => s.app.script);
    if (missing.length) throw new Error(`Supervisor: missing script(s): ${missing.join(', ')}`);
    if (this.checkPorts) {
      const taken = [];
      for (const s of this.apps.values()) {
        if (s.child) continue;
        for (const port of [s.app.port, s.app.grpcPort]) {
          if (port != null && (await portInUse(port, s.app.host))) taken.push(`${s.app.name} (port ${port})`);
        }
      }
      if (taken.length) {
        throw new Error(`Supervisor: port already in use for ${taken.join(', ')}: is another stack running?`);
      }
    }
    if (this.logDir) fs.mkdirSync(this.logDir, { recursive: true });
    if (this.rotateLogs) {
      for (const s of this.apps.values()) {
        if (s.logFile && !s.child && fs.existsSync(s.logFile)) fs.renameSync(s.logFile, `${s.logFile}.1`);
      }
    }
    for (const s of this.apps.values()) {
      // Fatal lines are looked for from here on (a log dir reused by another run has older ones).
      if (s.logFile && !s.scan) s.scan = { offset: fileSize(s.logFile), partial: '' };
    }
    live.add(this);
    installExitHook();
    for (const s of this.apps.values()) {
      s.wanted = true;
      if (!s.child && !s.timer) {
        s.attempts = 0;
        this._spawn(s);
      }
    }
    return this;
  }

  /**
   * Polls GET http://<host>:<port><readyPath> until every app (or the given names) answered 200.
   * Rejects after timeoutMs with an Error listing the apps not ready and the tail of their logs
   * (err.notReady = [names]).
   */
  async waitReady(timeoutMs = 60000, names) {
    const list = names ? [...names] : [...this.apps.keys()];
    for (const n of list) this._get(n);
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(list);
    const lastResult = new Map();
    while (pending.size) {
      await Promise.all(
        [...pending].map(async (n) => {
          const s = this.apps.get(n);
          if (s.app.port == null) {
            if (s.child) pending.delete(n);
            return;
          }
          if (!s.child) {
            lastResult.set(n, 'not running');
            return;
          }
          const r = await httpStatus(this.url(n) + (s.app.readyPath || '/health/ready'), 2000);
          lastResult.set(n, r.status ? `HTTP ${r.status}` : r.error);
          if (r.status === 200) {
            pending.delete(n);
            this._emit({ type: 'ready', name: n, pid: this.pid(n) });
          }
        }),
      );
      if (!pending.size) break;
      if (this.stopping) throw new Error('waitReady: the supervisor was stopped');
      // an app that exited and will not be restarted (restart off, or stopApp) cannot become ready
      const dead = [...pending].filter((n) => !this.apps.get(n).child && !this.apps.get(n).timer);
      if (dead.length || Date.now() >= deadline) {
        const notReady = dead.length ? dead : [...pending];
        const parts = notReady.map((n) => {
          const s = this.apps.get(n);
          const why = [lastResult.get(n) || 'no answer'];
          if (s.restarts) why.push(`restarted ${s.restarts}x`);
          if (s.lastExit) why.push(`last ${describeExit(s.lastExit.code, s.lastExit.signal)}`);
          return `${n} (${why.join('; ')})`;
        });
        const tails = notReady
          .map(
            (n) =>
              `--- ${n}: last lines${this.apps.get(n).logFile ? ` of ${this.apps.get(n).logFile}` : ''} ---\n${this.tail(n, 30)}`,
          )
          .join('\n');
        const head = dead.length ? 'exited and will not be restarted' : `not ready after ${timeoutMs} ms`;
        const err = new Error(`${head}: ${parts.join(', ')}\n${tails}`);
        err.notReady = notReady;
        throw err;
      }
      await sleep(250);
    }
    return this;
  }

  /**
   * Sends `signal` (default SIGKILL) to one app's process group, as a fault would. With restart on,
   * the supervisor restarts it with backoff. Resolves with { code, signal } once it has exited.
   */
  kill(name, signal = 'SIGKILL') {
    const s = this._get(name);
    if (!s.child) return Promise.reject(new Error(`${name} is not running`));
    const exited = this._exitPromise(s);
    s.killPending += 1;
    this._signal(s, signal);
    return exited;
  }

  /** Stops one app for good (no restart) until startApp(name). */
  async stopApp(name) {
    const s = this._get(name);
    s.wanted = false;
    this._clearTimer(s);
    await this._terminate(s);
  }

  /** (Re)starts one app stopped by stopApp(), or one waiting for its backoff, immediately. */
  async startApp(name) {
    const s = this._get(name);
    this.stopping = false;
    live.add(this);
    installExitHook();
    s.wanted = true;
    this._clearTimer(s);
    s.attempts = 0;
    if (!s.child) this._spawn(s);
  }

  /** SIGTERM to every app, SIGKILL after stopTimeoutMs each; resolves when all have exited. */
  async stop() {
    this.stopping = true;
    for (const s of this.apps.values()) {
      s.wanted = false;
      this._clearTimer(s);
    }
    await Promise.all([...this.apps.values()].map((s) => this._terminate(s)));
    live.delete(this);
    this._emit({ type: 'stopped' });
  }

  /** Current pid of an app, or undefined when it is not running. */
  pid(name) {
    const s = this._get(name);
    return s.child ? s.child.pid : undefined;
  }

  /** Base URL of an app: http://127.0.0.1:<port> */
  url(name) {
    const s = this._get(name);
    return `http://${s.app.host || '127.0.0.1'}:${s.app.port}`;
  }

  /** Last n lines of an app's output (log file, or an in-memory buffer without logDir). */
  tail(name, n = 30) {
    const s = this._get(name);
    if (!s.logFile) return s.ring.slice(-n).join('\n');
    try {
      const fd = fs.openSync(s.logFile, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const len = Math.min(size, 64 * 1024);
        const buf = Buffer.alloc(len);
        fs.readSync(fd, buf, 0, len, size - len);
        return buf.toString('utf8').split(/\r?\n/).filter(Boolean).slice(-n).join('\n');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return '(no log yet)';
    }
  }

  /** [{ name, pid, port, running, restarts, lastExit }] */
  status() {
    return [...this.apps.values()].map((s) => ({
      name: s.app.name,
      pid: s.child ? s.child.pid : undefined,
      port: s.app.port,
      running: !!s.child,
      restarts: s.restarts,
      lastExit: s.lastExit,
    }));
  }

  /**
   * What went wrong in each app since start(), for the test-run guard: restarts, exits nobody
   * asked for (kill() is asked for; stop() and stopApp() are not exits that count), and the log
   * lines at level >= 60 (fatal) or whose msg is "unhandled rejection" / "uncaught exception".
   */
  incidents() {
    return [...this.apps.values()].map((s) => {
      this._scanLog(s);
      return {
        name: s.app.name,
        restarts: s.restarts,
        deliberateExits: s.deliberateExits,
        unexpectedExits: s.unexpectedExits,
        fatalCount: s.fatalCount,
        fatalLines: [...s.fatal],
      };
    });
  }

  /**
   * The guard of every whole-stack test run: throws an Error naming each app that exited
   * without being asked to, or logged a fatal / unhandled error, with its lines, beyond what
   * the test declared in `allow` ({ [app]: { exits?: n, fatalLines?: n } }).
   */
  assertNoIncidents(options = {}) {
    const problems = incidentProblems(this.incidents(), options.allow || {});
    if (problems.length) {
      const err = new Error(`the apps had incidents the test did not cause on purpose:\n${problems.join('\n')}`);
      err.problems = problems;
      throw err;
    }
  }

  /**
   * Memory of each running app from /proc/<pid>/status (Linux; {} elsewhere): VmHWM, the resident
   * high-water mark since the process started (or since resetMemoryHighWater()), and VmRSS, in MiB.
   */
  memory() {
    const out = {};
    for (const s of this.apps.values()) {
      const pid = s.child && s.child.pid;
      if (!pid) continue;
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = (key) => Number((status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm')) || [])[1]);
        const hwm = kb('VmHWM');
        if (Number.isNaN(hwm)) continue; // a zombie has no memory lines
        out[s.app.name] = { pid, hwmMiB: Math.round(hwm / 102.4) / 10, rssMiB: Math.round(kb('VmRSS') / 102.4) / 10 };
      } catch {
        /* not Linux, or the process just exited */
      }
    }
    return out;
  }

  /** Restarts VmHWM at the current RSS in every app (writes 5 to /proc/<pid>/clear_refs), so the next memory() is a high-water of what follows. */
  resetMemoryHighWater() {
    for (const s of this.apps.values()) {
      const pid = s.child && s.child.pid;
      if (!pid) continue;
      try {
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        /* not Linux, or not allowed: VmHWM stays the high-water since start */
      }
    }
  }

  /** Resolves with the next event of `type` (optionally for app `name`); rejects after timeoutMs. */
  waitForEvent(type, name, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const onEvt = (e) => {
        if (e.type === type && (!name || e.name === name)) {
          clearTimeout(t);
          this.off('event', onEvt);
          resolve(e);
        }
      };
      const t = setTimeout(() => {
        this.off('event', onEvt);
        reject(new Error(`no '${type}' event${name ? ` for ${name}` : ''} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('event', onEvt);
    });
  }

  // ------------------------------------------------------------------ internals

  _get(name) {
    const s = this.apps.get(name);
    if (!s) throw new Error(`unknown app ${name} (known: ${[...this.apps.keys()].join(', ')})`);
    return s;
  }

  _emit(e) {
    const evt = { ...e, time: Date.now() };
    try {
      if (this.onEvent) this.onEvent(evt);
    } catch (err) {
      this._log(`onEvent threw: ${err && err.message}`);
    }
    this.emit('event', evt);
  }

  _note(s, msg) {
    this._log(msg);
    if (s.logFile) {
      try {
        fs.appendFileSync(s.logFile, `--- ${new Date().toISOString()} [supervisor] ${msg}\n`);
      } catch {
        /* log dir gone: ignore */
      }
    } else {
      this._pushRing(s, `[supervisor] ${msg}`);
    }
  }

  /** Reads what the app appended to its log file since the last scan, looking for fatal lines. */
  _scanLog(s) {
    if (!s.logFile || !s.scan) return;
    let fd;
    try {
      fd = fs.openSync(s.logFile, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < s.scan.offset) s.scan = { offset: 0, partial: '' }; // truncated
      const buf = Buffer.alloc(1 << 20);
      while (s.scan.offset < size) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - s.scan.offset), s.scan.offset);
        if (n <= 0) break;
        s.scan.offset += n;
        const lines = (s.scan.partial + buf.toString('utf8', 0, n)).split('\n');
        s.scan.partial = lines.pop();
        for (const line of lines) inspectLogLine(s, line);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  _pushRing(s, line) {
    inspectLogLine(s, line);
    s.ring.push(line);
    if (s.ring.length > 200) s.ring.splice(0, s.ring.length - 200);
  }

  _spawn(s) {
    const { app } = s;
    const argv = [...(app.nodeArgs || []), app.script, ...(app.args || [])];
    const env = cleanEnv({ ...this.baseEnv, ...(app.env || {}) });
    let fd;
    let stdio = ['ignore', 'pipe', 'pipe'];
    if (s.logFile) {
      fs.appendFileSync(
        s.logFile,
        `--- ${new Date().toISOString()} [supervisor] starting ${app.name}: node ${argv.join(' ')}\n`,
      );
      fd = fs.openSync(s.logFile, 'a');
      stdio = ['ignore', fd, fd];
    }
    let child;
    try {
      // detached: own process group, so a terminal Ctrl-C reaches only the supervisor, which then
      // stops the apps in order; kill() and stop() signal the whole group.
      child = spawn(process.execPath, argv, { cwd: this.cwd, env, stdio, detached: true });
    } finally {
      if (fd !== undefined) fs.closeSync(fd); // the child has its own copy
    }
    s.child = child;
    s.startedAt = Date.now();
    if (!s.logFile) {
      for (const [stream, out] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ]) {
        let buf = '';
        stream.setEncoding('utf8');
        stream.on('data', (d) => {
          buf += d;
          const lines = buf.split('\n');
          buf = lines.pop();
          for (const l of lines) {
            this._pushRing(s, l);
            out.write(`[${app.name}] ${l}\n`);
          }
        });
        stream.on('end', () => {
          if (buf) {
            this._pushRing(s, buf);
            out.write(`[${app.name}] ${buf}\n`);
          }
        });
      }
    }
    let exited = false;
    const onExit = (code, signal) => {
      if (exited) return;
      exited = true;
      this._onExit(s, child, code, signal);
    };
    child.once('exit', onExit);
    child.once('error', (err) => {
      // spawn failure (no 'exit' follows when the process never started)
      this._log(`${app.name}: ${err.message}`);
      if (child.pid === undefined) setImmediate(() => onExit(null, null));
    });
    this._emit({ type: 'spawn', name: app.name, pid: child.pid });
    return child;
  }

  _onExit(s, child, code, signal) {
    if (s.child !== child) return;
    s.child = null;
    s.lastExit = { code, signal, at: Date.now() };
    const waiters = s.exitWaiters.splice(0);
    for (const w of waiters) w({ code, signal });
    const deliberate = s.killPending > 0;
    if (deliberate) s.killPending = 0;
    if (!this.stopping && s.wanted) {
      if (deliberate) s.deliberateExits += 1;
      else s.unexpectedExits += 1;
    }
    this._emit({ type: 'exit', name: s.app.name, code, signal, pid: child.pid, deliberate });
    if (this.stopping || !s.wanted) return;
    if (!this.restart) {
      this._note(s, `${s.app.name} exited (${describeExit(code, signal)}); restart is off`);
      return;
    }
    if (Date.now() - s.startedAt >= this.stableMs) s.attempts = 0;
    s.attempts += 1;
    const attempt = s.attempts;
    const delay = Math.min(this.backoff.initialMs * 2 ** (attempt - 1), this.backoff.maxMs);
    const why = describeExit(code, signal);
    this._emit({ type: 'restarting', name: s.app.name, code, signal, attempt, delayMs: delay });
    s.timer = setTimeout(() => {
      s.timer = null;
      if (this.stopping || !s.wanted || s.child) return;
      s.restarts += 1;
      const c = this._spawn(s);
      this._note(s, `restarted ${s.app.name} (${why}, attempt ${attempt}) pid ${c.pid}`);
      this._emit({ type: 'restarted', name: s.app.name, pid: c.pid, attempt, code, signal });
    }, delay);
  }

  _clearTimer(s) {
    if (s.timer) {
      clearTimeout(s.timer);
      s.timer = null;
    }
  }

  _exitPromise(s) {
    if (!s.child) return Promise.resolve(s.lastExit || { code: null, signal: null });
    return new Promise((r) => s.exitWaiters.push(r));
  }

  _signal(s, signal) {
    const pid = s.child && s.child.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal); // the app's process group
    } catch {
      try {
        s.child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }

  async _terminate(s) {
    if (!s.child) return;
    const exited = this._exitPromise(s);
    this._signal(s, 'SIGTERM');
    let timer;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise((r) => (timer = setTimeout(() => r(true), this.stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut && s.child) {
      this._note(s, `${s.app.name} did not exit within ${this.stopTimeoutMs} ms of SIGTERM: SIGKILL`);
      this._signal(s, 'SIGKILL');
      await exited;
    }
  }

  _killAllSync() {
    for (const s of this.apps.values()) {
      this._clearTimer(s);
      s.wanted = false;
      if (s.child) this._signal(s, 'SIGKILL');
    }
  }
}

// ---------------------------------------------------------------------- the Parley stack

/** The stack's environment: defaults for every variable the apps read, overridden by `env`. */
function stackEnv(env = process.env, root = ROOT) {
  const keys = path.join(root, '.parley', 'keys');
  const d = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/parley',
    REDIS_URL: 'redis://127.0.0.1:6379',
    NATS_URL: 'nats://127.0.0.1:4222',
    JWT_PRIVATE_KEY_FILE: path.join(keys, 'jwt-private.pem'),
    JWT_PUBLIC_KEY_FILE: path.join(keys, 'jwt-public.pem'),
    MESSAGE_ENCRYPTION_KEYS_FILE: path.join(keys, 'message-keys'),
    LOG_LEVEL: 'info',
    GATEWAY_PORT: '3000',
    AUTH_PORT: '3001',
    PRESENCE_PORT: '3002',
    MESSAGE_STORE_PORT: '3003',
    PUSH_NOTIFIER_PORT: '3004',
    GATEWAY_GRPC_PORT: '3005',
  };
  const out = {};
  for (const k of Object.keys(d)) out[k] = env[k] || d[k];
  if (env.GATEWAY_INSTANCE_ID) out.GATEWAY_INSTANCE_ID = env.GATEWAY_INSTANCE_ID;
  return out;
}

/**
 * App definitions of the five Parley apps built in <root>/dist/apps. Every app gets the whole stack
 * env (so it knows the other apps' ports). With gateways > 1, the gateways are named chat-gateway-1..N,
 * get GATEWAY_INSTANCE_ID gateway-<i> and ports GATEWAY_PORT + 10*(i-1) (3000, 3010, ...) unless
 * gatewayPorts is given; their gRPC ports move the same way (GATEWAY_GRPC_PORT + 10*(i-1): 3005,
 * 3015, ...) unless gatewayGrpcPorts is given.
 */
function defaultApps({
  root = ROOT,
  env = stackEnv(process.env, root),
  gateways = 1,
  gatewayPorts,
  gatewayGrpcPorts,
} = {}) {
  const script = (app) => path.join(root, 'dist', 'apps', app, 'main.js');
  const mk = (name, portVar, extra = {}) => ({
    name,
    script: script(name),
    port: Number(env[portVar]),
    env: { ...env, ...extra },
  });
  const gw = [];
  if (gateways <= 1 && !gatewayPorts) {
    gw.push({ ...mk('chat-gateway', 'GATEWAY_PORT'), grpcPort: Number(env.GATEWAY_GRPC_PORT ?? 3005) });
  } else {
    const n = gatewayPorts ? gatewayPorts.length : gateways;
    for (let i = 1; i <= n; i++) {
      const port = gatewayPorts ? gatewayPorts[i - 1] : Number(env.GATEWAY_PORT) + 10 * (i - 1);
      // Each replica's gRPC edge needs a port of its own too (default 3005, 3015, ...).
      const grpcPort = gatewayGrpcPorts
        ? gatewayGrpcPorts[i - 1]
        : Number(env.GATEWAY_GRPC_PORT ?? 3005) + 10 * (i - 1);
      gw.push({
        name: `chat-gateway-${i}`,
        script: script('chat-gateway'),
        port,
        grpcPort,
        env: {
          ...env,
          GATEWAY_PORT: String(port),
          GATEWAY_GRPC_PORT: String(grpcPort),
          GATEWAY_INSTANCE_ID: `gateway-${i}`,
        },
      });
    }
  }
  return [
    ...gw,
    mk('auth', 'AUTH_PORT'),
    mk('presence', 'PRESENCE_PORT'),
    mk('message-store', 'MESSAGE_STORE_PORT'),
    mk('push-notifier', 'PUSH_NOTIFIER_PORT'),
  ];
}

module.exports = { Supervisor, defaultApps, stackEnv, httpStatus, portInUse, incidentProblems };

// ---------------------------------------------------------------------- CLI

async function cli() {
  const opt = parseCliArgs(process.argv.slice(2));
  if (opt.help) {
    console.log(
      'usage: node tools/dev/supervisor.cjs [--no-restart] [--gateways N] [--ready-timeout SECONDS] [--stdout]\n' +
        '  --stdout   app output to this terminal with a [name] prefix instead of .parley/logs/<name>.log',
    );
    return 0;
  }
  const t0 = Number(process.env.PARLEY_T0) ? Number(process.env.PARLEY_T0) * 1000 : Date.now();
  const say = (m) => console.log(`[supervisor +${Math.round((Date.now() - t0) / 1000)}s] ${m}`);
  const env = stackEnv();
  const apps = cliApps(env, opt.gateways);
  assertRunnable(apps, env);

  const logDir = opt.stdout ? undefined : path.join(ROOT, '.parley', 'logs');
  const displayDir = process.cwd() === ROOT ? path.join('.parley', 'logs') : logDir;
  const sup = new Supervisor({ apps, logDir, restart: opt.restart, log: say, rotateLogs: true });
  const signals = stopOnSignals(sup, apps, say);

  say(`starting ${apps.map((a) => a.name).join(', ')}${logDir ? ` (logs in ${displayDir})` : ''}`);
  await sup.start();
  try {
    await sup.waitReady(opt.readyTimeoutS * 1000);
  } catch (e) {
    if (signals.stopping()) return new Promise(() => undefined); // a signal arrived meanwhile: shutdown() exits
    console.error(`[supervisor] ERROR: ${e.message}`);
    await sup.stop();
    return 1;
  }
  if (signals.stopping()) return new Promise(() => undefined);

  console.log(
    upBanner(apps, sup, { logs: logDir ? `${displayDir}/<app>.log` : 'this terminal', restart: opt.restart }),
  );
  setInterval(() => undefined, 1 << 30); // stay alive even if every app is down (restart off)
  return new Promise(() => undefined); // run until a signal
}

function parseCliArgs(argv) {
  const opt = { restart: true, gateways: 1, readyTimeoutS: 90, stdout: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.split('=')[1] : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--') continue;
    else if (a === '--no-restart') opt.restart = false;
    else if (a === '--stdout') opt.stdout = true;
    else if (a.startsWith('--gateways')) opt.gateways = Math.max(1, parseInt(val(), 10) || 1);
    else if (a.startsWith('--ready-timeout')) opt.readyTimeoutS = Number(val());
    else if (a === '-h' || a === '--help') return { ...opt, help: true };
    else throw new Error(`unknown argument ${a} (see --help)`);
  }
  return opt;
}

/** The five apps, and the web client (apps/web) behind a small static server + proxy when it was built. */
function cliApps(env, gateways) {
  const apps = defaultApps({ env, gateways });
  if (fs.existsSync(path.join(ROOT, 'dist/apps/web/index.html'))) {
    // Not part of stackEnv (the apps never need it): read where it is used.
    const webPort = Number(process.env.WEB_PORT || 4200);
    apps.push({
      name: 'web',
      script: path.join(ROOT, 'tools/dev/serve-web.cjs'),
      port: webPort,
      readyPath: '/config.json',
      env: { ...env, WEB_PORT: String(webPort) },
    });
  }
  return apps;
}

/** Throws, saying what to run, when an app is not built or a key file is missing. */
function assertRunnable(apps, env) {
  const missing = [...new Set(apps.map((a) => a.script))].filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(
      `not built: ${missing.map((f) => path.relative(ROOT, f)).join(', ')}\n` +
        '  build with: NX_NO_CLOUD=true NX_DAEMON=false npx nx run-many -t build  (npm start does it for you)',
    );
  }
  const keyFiles = [env.JWT_PRIVATE_KEY_FILE, env.JWT_PUBLIC_KEY_FILE, env.MESSAGE_ENCRYPTION_KEYS_FILE];
  const noKeys = keyFiles.filter((f) => !fs.existsSync(f));
  if (noKeys.length) throw new Error(`missing key file(s) ${noKeys.join(', ')}: run tools/dev/ensure-keys.sh`);
}

/** SIGINT / SIGTERM / SIGHUP stop every app, then exit; a second signal later than 2 s kills them. */
function stopOnSignals(sup, apps, say) {
  let stopping = false;
  let firstSignalAt = 0;
  const shutdown = async (sig) => {
    if (stopping) {
      // npm forwards the terminal's SIGINT too: only a later, deliberate second signal forces.
      if (Date.now() - firstSignalAt > 2000) {
        say(`${sig} again: killing all apps now`);
        sup._killAllSync();
        process.exit(130);
      }
      return;
    }
    stopping = true;
    firstSignalAt = Date.now();
    say(`${sig}: stopping ${apps.length} apps...`);
    await sup.stop();
    say('all apps stopped');
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void shutdown(sig));
  return { stopping: () => stopping };
}

/** Where each app answers, once all are ready. */
function upBanner(apps, sup, { logs, restart }) {
  const pad = (s, n) => String(s).padEnd(n);
  const lines = ['', 'Parley is up:'];
  for (const a of apps) {
    const base = sup.url(a.name);
    if (a.name === 'web') {
      lines.push(`  ${pad('web', 16)} ${base}/   (web client: open it in a browser)`);
      continue;
    }
    const isGw = a.name.startsWith('chat-gateway');
    lines.push(`  ${pad(a.name, 16)} ${base}${isGw ? `   (HTTP + Socket.IO at ${base}/socket.io)` : ''}`);
    if (isGw && a.grpcPort) {
      lines.push(
        `  ${pad('', 16)} gRPC           ${a.host || '127.0.0.1'}:${a.grpcPort}   (plaintext HTTP/2, parley.v1.ChatGateway)`,
      );
    }
    if (isGw || a.name === 'auth') lines.push(`  ${pad('', 16)} OpenAPI docs   ${base}/docs`);
    lines.push(`  ${pad('', 16)} health         ${base}/health/live  ${base}/health/ready`);
    lines.push(`  ${pad('', 16)} metrics        ${base}/metrics`);
  }
  lines.push('', `App logs: ${logs}. ` + `Restart on crash: ${restart ? 'on' : 'off'}. Ctrl-C stops everything.`, '');
  return lines.join('\n');
}

if (require.main === module) {
  cli().then(
    (code) => process.exit(code),
    (e) => {
      console.error(`[supervisor] ERROR: ${e.message}`);
      process.exit(1);
    },
  );
}
