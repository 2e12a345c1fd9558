import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadAppSchema, portField, type EnvDefault } from './lib/config-schema';
import { listApps, ROOT, readText } from './lib/repo';

/** docs/operations.md must say what the code says: each app's variables, defaults, port and metrics. */
const doc = readText('docs/operations.md');
const apps = listApps();

/**
 * The rows `| \`NAME\` | default | meaning |` of the table under `### <app>`, and of the tables
 * shared by several apps under `### <title> (<app>, <app>, ...)` naming it (PostgreSQL pools).
 */
function table(app: string): Map<string, string> {
  const own = new RegExp(`^### ${app}\\n([\\s\\S]*?)(?=^##)`, 'm').exec(doc)?.[1] ?? '';
  const shared = [...doc.matchAll(/^### [^\n(]*\(([^)\n]*)\)\n([\s\S]*?)(?=^##)/gm)]
    .filter((m) => m[1].split(',').some((a) => a.trim() === app))
    .map((m) => m[2]);
  const rows = new Map<string, string>();
  for (const section of [own, ...shared])
    for (const m of section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/gm)) rows.set(m[1], m[2].trim());
  return rows;
}

/** How the docs write a default. */
function cell(d: EnvDefault): string | null {
  switch (d.kind) {
    case 'none':
      return 'required';
    case 'string':
      return d.value === '' ? '(empty)' : `\`${d.value}\``;
    case 'number':
    case 'boolean':
      return `\`${d.value}\``;
    case 'computed':
      return null; // described in words
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.ts$/.test(f) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(f) ? [p] : [];
  });
}

describe('docs/operations.md', () => {
  it.each(apps)('lists exactly the variables of %s and their defaults', (app) => {
    const schema = loadAppSchema(app);
    const rows = table(app);
    expect({
      missing: schema.fields.map((f) => f.name).filter((n) => !rows.has(n)),
      extra: [...rows.keys()].filter((n) => !schema.fields.some((f) => f.name === n)),
    }).toEqual({
      missing: [],
      extra: [],
    });
    const wrong = schema.fields
      .filter((f) => cell(f.default) !== null && rows.get(f.name) !== cell(f.default))
      .map((f) => `${f.name}: docs say ${rows.get(f.name)}, the schema ${cell(f.default)}`);
    expect(wrong).toEqual([]);
  });

  it.each(apps)('gives the port of %s as its schema does', (app) => {
    const { name, port } = portField(loadAppSchema(app));
    expect(doc).toContain(`| ${app} | ${port} (\`${name}\`) |`);
  });

  it('explains every metric the apps define', () => {
    const defined = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'apps'))) {
      for (const m of readText(relative(ROOT, file)).matchAll(/['"`](parley_[a-z0-9_]+)['"`]/g)) defined.add(m[1]);
    }
    expect(defined.size).toBeGreaterThan(0);
    const documented = new Set([...doc.matchAll(/^\| `(parley_[a-z0-9_]+)(?:\{[^}]*\})?` \|/gm)].map((m) => m[1]));
    expect([...defined].filter((n) => !documented.has(n)).sort()).toEqual([]);
    expect([...documented].filter((n) => !defined.has(n)).sort()).toEqual([]);
  });

  it('covers deploying, scaling, configuring, key rotation and metrics', () => {
    for (const heading of [
      '## Docker Compose',
      '## Kubernetes with Helm',
      '## Configuration',
      '## Scaling',
      '## Rotating keys',
      '## Metrics',
    ]) {
      expect(doc).toContain(heading);
    }
    expect(doc).toMatch(/docker compose -f docker\/compose\.yml up/);
    expect(doc).toMatch(/helm upgrade --install parley helm\/parley/);
  });
});
