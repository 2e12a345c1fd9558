import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The five apps a stack runs; their dist/ is what the baseline must have. */
const APPS = ['auth', 'chat-gateway', 'presence', 'message-store', 'push-notifier'];

export interface Baseline {
  /** What the user named (BENCH_BASELINE). */
  ref: string;
  commit: string;
  /** `git log --oneline -1` of the commit, for the report. */
  title: string;
  /** A checkout of the commit with its five apps built in dist/apps. */
  root: string;
}

const git = (cwd: string, args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
/** `<short hash> <subject>` of a commit, cut for a table. */
const commitTitle = (cwd: string, commit: string): string =>
  git(cwd, ['log', '--format=%h %s', '-1', commit]).slice(0, 120);

/** The checkout the bench runs from: its HEAD, and whether tracked files differ from it. */
export function currentCheckout(workspaceRoot: string): { commit: string; title: string; uncommitted: boolean } {
  return {
    commit: git(workspaceRoot, ['rev-parse', 'HEAD']),
    title: commitTitle(workspaceRoot, 'HEAD'),
    uncommitted: git(workspaceRoot, ['status', '--porcelain', '--untracked-files=no']) !== '',
  };
}

/**
 * BENCH_BASELINE=<git ref>: that commit's apps, so one run measures before and after a change
 * on the same machine state. The commit is checked out in a git worktree under
 * .parley/bench/baseline-<commit> (kept, so the next run with the same ref builds nothing),
 * sharing this checkout's node_modules, and its five apps are built there with its own Nx.
 */
export function prepareBaseline(ref: string, workspaceRoot: string, log: (m: string) => void): Baseline {
  const commit = git(workspaceRoot, ['rev-parse', '--verify', `${ref}^{commit}`]);
  const title = commitTitle(workspaceRoot, commit);
  const root = join(workspaceRoot, '.parley', 'bench', `baseline-${commit.slice(0, 12)}`);
  const built = () => APPS.every((app) => existsSync(join(root, 'dist', 'apps', app, 'main.js')));
  if (built()) {
    log(`baseline ${ref} (${title}): reusing ${root}`);
    return { ref, commit, title, root };
  }
  if (!existsSync(join(root, '.git'))) {
    rmSync(root, { recursive: true, force: true });
    git(workspaceRoot, ['worktree', 'prune']);
    git(workspaceRoot, ['worktree', 'add', '--detach', root, commit]);
  }
  installDependencies(root, workspaceRoot, log);
  log(`baseline ${ref} (${title}): building its apps in ${root}`);
  const build = spawnSync(
    'npx',
    ['nx', 'run-many', '-t', 'build', `--projects=${APPS.join(',')}`, '--output-style=static'],
    {
      cwd: root,
      env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NODE_OPTIONS: '' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (build.status !== 0 || !built())
    throw new Error(
      `baseline build of ${ref} failed (exit ${build.status}): ${`${build.stdout}${build.stderr}`.trim().split('\n').slice(-20).join('\n')}`,
    );
  return { ref, commit, title, root };
}

/** This checkout's node_modules when the lock files agree (no install); else the commit's own `npm ci`. */
function installDependencies(root: string, workspaceRoot: string, log: (m: string) => void): void {
  if (existsSync(join(root, 'node_modules'))) return;
  const lock = (dir: string) => readFileSync(join(dir, 'package-lock.json'), 'utf8');
  if (lock(root) === lock(workspaceRoot)) {
    symlinkSync(join(workspaceRoot, 'node_modules'), join(root, 'node_modules'));
    return;
  }
  log(`baseline: its package-lock.json differs from this checkout's: npm ci there`);
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (ci.status !== 0)
    throw new Error(`npm ci in ${root} failed: ${ci.stderr.trim().split('\n').slice(-10).join('\n')}`);
}
