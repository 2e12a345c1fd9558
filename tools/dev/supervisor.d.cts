// Types for tools/dev/supervisor.cjs (so TypeScript tests can `import ... from '.../tools/dev/supervisor.cjs'`).
import { EventEmitter } from 'node:events';

export interface AppSpec {
  /** Unique name, e.g. 'auth' or 'chat-gateway-2'. Log file: <logDir>/<name>.log */
  name: string;
  /** Script run as `node <script> ...args`; relative paths are resolved against `cwd`. */
  script: string;
  /** HTTP port polled by waitReady() (GET http://<host>:<port><readyPath>). */
  port?: number;
  /** A gateway's gRPC port (GATEWAY_GRPC_PORT): checked free by start(), printed by the CLI. */
  grpcPort?: number;
  host?: string;
  readyPath?: string;
  env?: Record<string, string | undefined>;
  args?: string[];
  nodeArgs?: string[];
}

export interface SupervisorEvent {
  type: 'spawn' | 'exit' | 'restarting' | 'restarted' | 'ready' | 'stopped';
  name?: string;
  pid?: number;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  attempt?: number;
  delayMs?: number;
  /** On 'exit': the exit was asked for by kill() (a fault the test injected). */
  deliberate?: boolean;
  time: number;
}

/** What went wrong in one app since start() (Supervisor.incidents()). */
export interface AppIncidents {
  name: string;
  restarts: number;
  /** Exits asked for by kill(). */
  deliberateExits: number;
  /** Exits nobody asked for: crashes (stop() and stopApp() do not count). */
  unexpectedExits: number;
  /** Log lines at level >= 60, or whose msg is "unhandled rejection" / "uncaught exception". */
  fatalCount: number;
  /** The first 20 of them. */
  fatalLines: string[];
}

/** What a test declares it caused on purpose, per app name (default 0 each). */
export type IncidentAllowance = Record<string, { exits?: number; fatalLines?: number }>;

export interface AppMemory {
  pid: number;
  /** VmHWM: resident high-water mark since the process started (or resetMemoryHighWater()). */
  hwmMiB: number;
  rssMiB: number;
}

export interface SupervisorOptions {
  apps: AppSpec[];
  logDir?: string;
  onEvent?: (e: SupervisorEvent) => void;
  restart?: boolean;
  backoff?: { initialMs?: number; maxMs?: number };
  stableMs?: number;
  stopTimeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  checkPorts?: boolean;
  rotateLogs?: boolean;
  log?: (msg: string) => void;
}

export interface AppStatus {
  name: string;
  pid?: number;
  port?: number;
  running: boolean;
  restarts: number;
  lastExit: { code: number | null; signal: NodeJS.Signals | null; at: number } | null;
}

export class Supervisor extends EventEmitter {
  constructor(opts: SupervisorOptions);
  start(): Promise<this>;
  /** Rejects with an Error whose `notReady` lists the apps that did not answer 200 in time. */
  waitReady(timeoutMs?: number, names?: string[]): Promise<this>;
  kill(name: string, signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stopApp(name: string): Promise<void>;
  startApp(name: string): Promise<void>;
  stop(): Promise<void>;
  pid(name: string): number | undefined;
  url(name: string): string;
  tail(name: string, lines?: number): string;
  status(): AppStatus[];
  waitForEvent(type: SupervisorEvent['type'], name?: string, timeoutMs?: number): Promise<SupervisorEvent>;
  incidents(): AppIncidents[];
  /** Throws an Error (with `problems`) naming every app with incidents beyond `allow`. */
  assertNoIncidents(options?: { allow?: IncidentAllowance }): void;
  memory(): Record<string, AppMemory>;
  resetMemoryHighWater(): void;
}

/** The guard's verdict: one line per app with more incidents than allowed. */
export function incidentProblems(incidents: AppIncidents[], allow?: IncidentAllowance): string[];

export function stackEnv(env?: NodeJS.ProcessEnv, root?: string): Record<string, string>;
export function defaultApps(opts?: {
  root?: string;
  env?: Record<string, string>;
  gateways?: number;
  gatewayPorts?: number[];
  /** With gatewayPorts: each gateway's GATEWAY_GRPC_PORT (else GATEWAY_GRPC_PORT + 10 per replica). */
  gatewayGrpcPorts?: number[];
}): AppSpec[];
export function httpStatus(url: string, timeoutMs?: number): Promise<{ status?: number; error?: string }>;
export function portInUse(port: number, host?: string): Promise<boolean>;
