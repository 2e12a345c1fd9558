import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The workspace root (tools/deploy-checks/src/lib -> ../../../..). */
export const ROOT = resolve(__dirname, '../../../..');

export function readText(relPath: string): string {
  return readFileSync(join(ROOT, relPath), 'utf8');
}

export function exists(relPath: string): boolean {
  return existsSync(join(ROOT, relPath));
}

/**
 * The deployable services: apps/<name> tagged type:app whose src/main.ts starts a service with
 * runMain (libs/shared/util-service). Leaves out e2e (type:e2e) and the web client (a static
 * bundle, no service).
 */
export function listApps(): string[] {
  return readdirSync(join(ROOT, 'apps'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'apps', d.name, 'project.json')))
    .filter((d) => {
      const project = JSON.parse(readText(`apps/${d.name}/project.json`)) as { tags?: string[] };
      const main = `apps/${d.name}/src/main.ts`;
      return (project.tags ?? []).includes('type:app') && exists(main) && /\brunMain\(/.test(readText(main));
    })
    .map((d) => d.name)
    .sort();
}

/** Apps whose main.ts runs migrations on `node main.js migrate`. */
export function migratingApps(): string[] {
  return listApps().filter((app) =>
    // `runMain(name, serve, { migrate })`: `main.js migrate` runs the app's migrations.
    /\brunMain\([\s\S]*\{\s*migrate\s*:/.test(readText(`apps/${app}/src/main.ts`)),
  );
}
