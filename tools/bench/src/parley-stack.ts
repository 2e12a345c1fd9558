import { TestStack, type StackOptions, type TestDatabase, type TestKeys } from '@parley/shared/testing';
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
  /** Replicas of back-end apps (the scale-out phase: two message-stores), named `<app>-1` ... `<app>-n`. */
  replicas?: StackOptions['replicas'];
  env?: Record<string, string>;
}): Promise<TestStack> {
  return TestStack.start({
    label: options.label,
    db: options.db,
    root: options.root,
    keys: options.keys,
    gateways: options.gateways,
    replicas: options.replicas,
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

/** Pids of the stack's apps, by process name (each gateway and each replica of its own). */
export function stackPids(stack: TestStack): Record<string, number> {
  const out: Record<string, number> = {};
  const backEnd = (['auth', 'presence', 'message-store', 'push-notifier'] as const).flatMap((app) =>
    stack.appNames(app),
  );
  for (const name of [...stack.gatewayNames(), ...backEnd]) {
    const pid = stack.supervisor?.pid(name);
    if (pid) out[name] = pid;
  }
  return out;
}
