import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '../../..');

/** Every workspace file `entry` reaches through its imports, and the packages it imports. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const config = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const files = new Set<string>([join(root, entry)]);
  const packages = new Set<string>();
  for (const file of files) {
    for (const { fileName: specifier } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const resolved = ts.resolveModuleName(specifier, file, options, ts.sys).resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport) files.add(resolved.resolvedFileName);
      else packages.add(specifier);
    }
  }
  return { files: [...files].map((f) => relative(root, f)).sort(), packages: [...packages].sort() };
}

describe('@parley/contracts/client', () => {
  it('imports no package (no class-validator, no Node built-in) and no server-side contract', () => {
    const { files, packages } = importGraph('libs/contracts/src/client.ts');
    expect(packages).toEqual([]);
    expect(files).toEqual([
      'libs/contracts/src/client.ts',
      'libs/contracts/src/lib/errors.ts',
      'libs/contracts/src/lib/event-stream.ts',
      'libs/contracts/src/lib/models.ts',
      'libs/contracts/src/socket/events.ts',
    ]);
  });

  it('is what the client SDK reaches of the contracts: its only package is socket.io-client', () => {
    const { files, packages } = importGraph('libs/client-sdk/src/index.ts');
    expect(packages).toEqual(['socket.io-client']);
    expect(files.filter((f) => !f.startsWith('libs/client-sdk/'))).toEqual(
      importGraph('libs/contracts/src/client.ts').files,
    );
  });

  it('the walk does see server-only imports (the main entry pulls class-validator)', () => {
    expect(importGraph('libs/contracts/src/index.ts').packages).toContain('class-validator');
  });

  it('the tsconfig path points at this entry', () => {
    const paths = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile).config.compilerOptions.paths;
    expect(paths['@parley/contracts/client']).toEqual([`./${relative(root, join(dirname(__filename), 'client.ts'))}`]);
  });
});
