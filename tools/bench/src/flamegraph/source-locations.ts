import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapping, type SourceMapPayload } from 'node:module';
import { dirname, isAbsolute, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { categoryOf, type Locate } from './profile';

/**
 * Locations in the repository: our bundles (dist/apps/<app>/main.js) through the source map
 * webpack writes beside them, so a frame says libs/.../micro-batcher.ts:67 rather than
 * main.js:2023; other files relative to the root; node:... as they are.
 */
export function sourceLocator(root: string): Locate {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (bundle: string) => {
    if (!maps.has(bundle)) {
      const file = `${bundle}.map`;
      maps.set(
        bundle,
        existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as SourceMapPayload) : undefined,
      );
    }
    return maps.get(bundle);
  };
  return (f) => {
    if (!f.url) return undefined;
    if (!f.url.startsWith('file://')) return { file: f.url, line: f.lineNumber + 1 };
    const path = fileURLToPath(f.url);
    // findEntry answers {} where the map has nothing for the position.
    const entry: Partial<SourceMapping> | undefined =
      categoryOf(f) === 'app' ? mapOf(path)?.findEntry(f.lineNumber, f.columnNumber) : undefined;
    if (entry?.originalSource && entry.originalLine !== undefined)
      return { file: sourcePath(root, path, entry.originalSource), line: entry.originalLine + 1 };
    return { file: relative(root, path), line: f.lineNumber + 1 };
  };
}

/**
 * A source map's source (webpack:///../../libs/x.ts, relative to the app's project folder, the
 * bundle's folder without dist/) as a path from the repository's root.
 */
function sourcePath(root: string, bundle: string, source: string): string {
  const s = source.replace(/^webpack:\/\/\//, '');
  if (isAbsolute(s)) return relative(root, s);
  const project = relative(join(root, 'dist'), dirname(bundle)).split('\\').join('/');
  return posix.normalize(posix.join(project, s));
}
