import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeDeps } from './lib/cjs';
import { exists, listApps, ROOT } from './lib/repo';

/**
 * The image installs `npm install --omit=dev` from the package.json webpack generated beside the
 * bundle. These checks run docker/runtime-deps.cjs (the step the Dockerfile runs) on the real
 * bundles in dist/ (the test target depends on the apps' builds).
 */
const LOCK = join(ROOT, 'package-lock.json');
const { analyse, externalRequires } = runtimeDeps;

describe('docker/runtime-deps.cjs', () => {
  it('finds the packages a webpack bundle requires, builtins left out', () => {
    const src =
      'module.exports = require("pg");\nrequire("node:fs"); require("crypto"); require("@nestjs/core/injector"); require("./local"); require(x);';
    expect(externalRequires(src)).toEqual(['@nestjs/core', 'pg']);
  });

  it('reports a required package that the generated package.json would not install', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runtime-deps-'));
    try {
      writeFileSync(join(dir, 'main.js'), 'require("typeorm"); require("left-pad"); require("tslib");');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', dependencies: { typeorm: '0.3.31' } }));
      writeFileSync(
        join(dir, 'package-lock.json'),
        JSON.stringify({
          packages: {
            'node_modules/tslib': { version: '2.8.1' },
            'node_modules/left-pad': { version: '1.3.0', dev: true },
          },
        }),
      );
      const r = analyse(dir, LOCK);
      expect(r.missing).toEqual(['left-pad']); // dev-only in the lock: not installed with --omit=dev
      expect(Object.keys(r.added)).toEqual(['pg']); // TypeORM loads pg by name
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe.each(listApps())('%s bundle', (app) => {
    const dist = join(ROOT, 'dist', 'apps', app);

    it('is built with its generated package.json and lock', () => {
      expect(['main.js', 'package.json', 'package-lock.json'].filter((f) => !exists(`dist/apps/${app}/${f}`))).toEqual(
        [],
      );
    });

    it('needs nothing that the image would not install', () => {
      const r = analyse(dist, LOCK);
      expect(r.missing).toEqual([]);
      if (r.required.includes('typeorm')) expect(r.dependencies['pg']).toBeDefined();
      if (r.required.includes('@nestjs/microservices')) expect(r.dependencies['nats']).toBeDefined();
    });
  });
});
