#!/usr/bin/env node
'use strict';
// Completes and checks the package.json that webpack generated beside an app's bundle
// (generatePackageJson), before the image installs its production node_modules from it.
//
//   node docker/runtime-deps.cjs dist/apps/<app> [package-lock.json]
//
// 1. Adds what the bundle loads by name at run time without importing it, which Nx cannot see:
//    TypeORM's PostgreSQL driver `pg`, Nest's NATS client `nats`, Nest's HTTP adapter.
//    Versions come from the workspace lock file, so the image runs what the tests ran.
// 2. Fails (exit 1) if any package the bundle require()s would not be installed by
//    `npm install --omit=dev` from that package.json and lock: a broken image is found at
//    build time, not at the first request.
// Used by docker/Dockerfile and by tools/deploy-checks (require('docker/runtime-deps.cjs')).

const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

/** Loaded by name inside a dependency when that dependency is used: trigger -> packages. */
const DYNAMIC_REQUIRES = {
  typeorm: ['pg'], // DataSource({ type: 'postgres' }) requires 'pg' itself
  '@nestjs/microservices': ['nats'], // Transport.NATS loads 'nats' lazily
  '@nestjs/core': ['@nestjs/platform-express'], // NestFactory.create() without an adapter
};

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** '@scope/pkg/sub' -> '@scope/pkg'; 'pkg/sub' -> 'pkg'. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Package names the bundle require()s with a literal (webpack externals), builtins excluded. */
function externalRequires(bundleSource) {
  const names = new Set();
  for (const m of bundleSource.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
    if (!BUILTINS.has(m[1]) && !BUILTINS.has(m[1].split('/')[0])) names.add(packageName(m[1]));
  }
  return [...names].sort();
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * Works out what the app needs. Pure: writes nothing.
 * @returns {{ app: string, required: string[], added: Record<string,string>, missing: string[],
 *             dependencies: Record<string,string> }}
 */
function analyse(distDir, workspaceLockFile) {
  const pkg = readJson(path.join(distDir, 'package.json'));
  const lockFile = path.join(distDir, 'package-lock.json');
  const lock = fs.existsSync(lockFile) ? readJson(lockFile) : { packages: {} };
  const workspaceLock = readJson(workspaceLockFile);
  const dependencies = { ...(pkg.dependencies || {}) };
  const added = {};
  const required = externalRequires(fs.readFileSync(path.join(distDir, 'main.js'), 'utf8'));
  // Only what the bundle really loads triggers (a generated package.json may list more).
  const dynamic = Object.entries(DYNAMIC_REQUIRES)
    .filter(([trigger]) => required.includes(trigger))
    .flatMap(([, needs]) => needs);

  for (const name of dynamic) {
    if (dependencies[name]) continue;
    const entry = workspaceLock.packages && workspaceLock.packages[`node_modules/${name}`];
    if (!entry || !entry.version) continue; // then reported below as missing
    dependencies[name] = entry.version;
    added[name] = entry.version;
  }

  // Installed at the top level of node_modules: a dependency, or a package the lock hoists there
  // that is not dev-only (tslib, say, which half of the dependencies bring).
  const installed = (name) => {
    if (dependencies[name]) return true;
    const entry = lock.packages && lock.packages[`node_modules/${name}`];
    return Boolean(entry && !entry.dev);
  };
  const missing = [...new Set([...required, ...dynamic])].filter((n) => !installed(n)).sort();
  return { app: pkg.name, required, added, missing, dependencies };
}

/** analyse() and, when something was added, rewrites <distDir>/package.json. */
function complete(distDir, workspaceLockFile) {
  const result = analyse(distDir, workspaceLockFile);
  if (Object.keys(result.added).length > 0) {
    const file = path.join(distDir, 'package.json');
    const pkg = readJson(file);
    pkg.dependencies = Object.fromEntries(Object.entries(result.dependencies).sort(([a], [b]) => a.localeCompare(b)));
    fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  }
  return result;
}

module.exports = { analyse, complete, externalRequires, packageName, DYNAMIC_REQUIRES };

if (require.main === module) {
  const [distDir, lockArg] = process.argv.slice(2);
  if (!distDir) {
    console.error('usage: node docker/runtime-deps.cjs dist/apps/<app> [package-lock.json]');
    process.exit(2);
  }
  try {
    const r = complete(distDir, lockArg || 'package-lock.json');
    const added = Object.entries(r.added).map(([n, v]) => `${n}@${v}`);
    console.log(
      `[runtime-deps] ${r.app}: ${r.required.length} external package(s) required${added.length ? `; added ${added.join(', ')}` : ''}`,
    );
    if (r.missing.length > 0) {
      console.error(
        `[runtime-deps] ${r.app}: the bundle needs ${r.missing.join(', ')}, which the generated package.json does not install`,
      );
      process.exit(1);
    }
  } catch (e) {
    console.error(`[runtime-deps] ERROR: ${e.message}`);
    process.exit(1);
  }
}
