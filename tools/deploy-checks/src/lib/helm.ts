import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { load, loadAll, YAML11_SCHEMA } from 'js-yaml';
import { TemplateSet } from './go-template';

/** YAML as Kubernetes and Helm read it (YAML 1.1: merge keys, yes/no booleans); duplicate keys throw. */
export function parseYaml(text: string): unknown {
  return load(text, { schema: YAML11_SCHEMA });
}

export function parseYamlDocs(text: string): unknown[] {
  return loadAll(text, { schema: YAML11_SCHEMA }).filter((d) => d !== null && d !== undefined);
}

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's value coalescing: maps merge, anything else replaces, null deletes. */
export function coalesce(base: unknown, override: unknown): unknown {
  if (!isDict(base) || !isDict(override)) return override === undefined ? base : override;
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? coalesce(out[k], v) : v;
  }
  return out;
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
  /** Rendered text per template file (partials excluded). */
  files: Record<string, string>;
  notes: string;
  values: Dict;
  chart: Dict;
}

export interface RenderOptions {
  values?: Dict;
  releaseName?: string;
  namespace?: string;
  isUpgrade?: boolean;
}

/** `helm template` for this chart, with the renderer in go-template.ts. */
export function renderChart(chartDir: string, opts: RenderOptions = {}): RenderResult {
  const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Dict;
  const defaults = parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Dict;
  const values = coalesce(defaults, opts.values ?? {}) as Dict;
  const chartName = String(chart['name']);
  const basePath = `${chartName}/templates`;
  const templateDir = join(chartDir, 'templates');
  const names = readdirSync(templateDir).sort();

  const set = new TemplateSet();
  for (const f of names) set.add(`${basePath}/${f}`, readFileSync(join(templateDir, f), 'utf8'));

  const top = (file: string): Dict => ({
    Values: values,
    Chart: { Name: chart['name'], Version: chart['version'], AppVersion: chart['appVersion'], Description: chart['description'] },
    Release: {
      Name: opts.releaseName ?? 'parley',
      Namespace: opts.namespace ?? 'default',
      Service: 'Helm',
      IsInstall: !opts.isUpgrade,
      IsUpgrade: Boolean(opts.isUpgrade),
      Revision: 1,
    },
    Capabilities: { KubeVersion: { Version: 'v1.29.0', Major: '1', Minor: '29' }, APIVersions: [] },
    Template: { Name: `${basePath}/${file}`, BasePath: basePath },
  });

  const files: Record<string, string> = {};
  const manifests: Manifest[] = [];
  let notes = '';
  for (const f of names) {
    if (f.startsWith('_')) continue;
    const text = set.render(`${basePath}/${f}`, top(f));
    if (f === 'NOTES.txt') {
      notes = text;
      continue;
    }
    files[f] = text;
    for (const doc of parseYamlDocs(text)) {
      if (!isDict(doc)) throw new Error(`${f}: a rendered document is not a mapping`);
      manifests.push({ ...(doc as Omit<Manifest, 'source'>), source: basename(f) } as Manifest);
    }
  }
  return { manifests, files, notes, values, chart };
}
