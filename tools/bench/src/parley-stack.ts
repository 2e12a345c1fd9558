import { TestStack, type TestDatabase, type TestKeys } from '@parley/shared/testing';
import { probePath } from './probe';

/**
 * Parley's five apps from dist/ as `npm start` runs them (production mode, no restarts), on
 * TestStack's isolation (own database, NATS subject prefix, Redis prefixes, ports, keys), with
 * the benchmark probe preloaded so memory can be read from outside.
 */
export function startParleyStack(options: {
  label: string;
  /** Absent: the stack makes its own (and drops it when it stops). */
  db?: TestDatabase;
  /** Another checkout whose dist/apps run (the before/after comparison's baseline). */
  root?: string;
  keys: TestKeys;
  probeDir: string;
  gateways?: number;
  env?: Record<string, string>;
}): Promise<TestStack> {
  return TestStack.start({
    label: options.label,
    db: options.db,
    root: options.root,
    keys: options.keys,
    gateways: options.gateways,
    restart: false,
    logs: 'bench',
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
      // The machine's NATS as it is: the message-store drive talks to the apps' subjects itself.
      NATS_URL: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
      ...options.env,
    },
    // Only the apps: their migrations run without the probe.
    appEnv: {
      BENCH_PROBE_DIR: options.probeDir,
      NODE_OPTIONS: [options.env?.['NODE_OPTIONS'], '--expose-gc', `--require ${probePath()}`]
        .filter(Boolean)
        .join(' '),
    },
  });
}

/** Pids of the stack's apps, by app name. */
export function stackPids(stack: TestStack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of [...stack.gatewayNames(), 'auth', 'presence', 'message-store', 'push-notifier']) {
    const pid = stack.supervisor?.pid(name);
    if (pid) out[name] = pid;
  }
  return out;
}
