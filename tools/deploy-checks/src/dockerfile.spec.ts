import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { grpcPortField, loadAppSchema, portField } from './lib/config-schema';
import { effectiveInstructions, execForm, parseDockerfile, type Instruction } from './lib/dockerfile';
import { contextFiles, isIgnored, parseDockerignore } from './lib/dockerignore';
import { exists, listApps, ROOT, readText } from './lib/repo';

const df = parseDockerfile(readText('docker/Dockerfile'));
const apps = listApps();
const stage = (name: string) => {
  const s = df.stages.find((x) => x.name === name);
  if (!s) throw new Error(`docker/Dockerfile has no stage "${name}"`);
  return s;
};
const runs = (ins: Instruction[]) =>
  ins
    .filter((i) => i.keyword === 'RUN')
    .map((i) => i.args)
    .join('\n');

describe('docker/Dockerfile', () => {
  it('takes the app as build arg APP and builds exactly the apps of apps/', () => {
    expect(df.globalArgs.map((a) => a.args.split('=')[0])).toContain('APP');
    const build = stage('build');
    // The guard in the build stage names every app, and nothing else.
    const guard = /case "\$APP" in\s+([\w|-]+)\)/.exec(runs(build.instructions));
    expect(guard?.[1].split('|').sort()).toEqual(apps);
    expect(build.instructions.some((i) => i.keyword === 'ARG' && i.args.trim() === 'APP')).toBe(true);
    // One stage per app, and the image is the stage of APP.
    expect(
      df.stages
        .filter((s) => s.name?.startsWith('app-'))
        .map((s) => s.name?.slice(4))
        .sort(),
    ).toEqual(apps);
    expect(df.stages[df.stages.length - 1].from).toBe('app-${APP}');
  });

  it('builds with npm ci and nx, then installs production dependencies from the generated package.json', () => {
    const build = runs(stage('build').instructions);
    expect(stage('build').from).toBe('${NODE_IMAGE}');
    expect(df.globalArgs.map((a) => a.args)).toContain('NODE_IMAGE=node:20-bookworm-slim');
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npx nx build "\$APP"/);
    expect(build).toMatch(/node docker\/runtime-deps\.cjs "dist\/apps\/\$APP"/);
    // The lock file is copied (and npm ci runs) before the sources, so that layer is shared.
    const copies = stage('build')
      .instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'RUN')
      .map((i) => i.args);
    expect(copies[0]).toBe('package.json package-lock.json ./');
    expect(copies[1]).toMatch(/npm ci/);
    const deps = stage('deps');
    expect(deps.instructions.find((i) => i.keyword === 'COPY')?.args).toMatch(
      /dist\/apps\/\$\{APP\}\/package\.json .*dist\/apps\/\$\{APP\}\/package-lock\.json/,
    );
    expect(runs(deps.instructions)).toMatch(/npm install --omit=dev/);
  });

  it('ships only the bundle, its package.json and production node_modules, as USER node', () => {
    const runtime = stage('runtime');
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual([
      '--from=deps /app/node_modules ./node_modules',
      '--from=build /src/dist/apps/${APP}/package.json /src/dist/apps/${APP}/main.js ./',
    ]);
    expect(runtime.from).toBe('${NODE_IMAGE}');
    const user = runtime.instructions.filter((i) => i.keyword === 'USER');
    expect(user.map((u) => u.args)).toEqual(['node']);
    // USER comes after every COPY/RUN: the app user cannot write its own code.
    const last = (k: string) => Math.max(...runtime.instructions.map((i, n) => (i.keyword === k ? n : -1)));
    expect(runtime.instructions.findIndex((i) => i.keyword === 'USER')).toBeGreaterThan(
      Math.max(last('COPY'), last('RUN')),
    );
  });

  it('runs node as PID 1 in exec form, so SIGTERM reaches the app', () => {
    const ins = stage('runtime').instructions;
    expect(ins.find((i) => i.keyword === 'ENTRYPOINT')?.exec).toEqual(['node', 'main.js']);
    expect(ins.find((i) => i.keyword === 'CMD')?.exec).toEqual([]);
  });

  it.each(apps)('%s: EXPOSE, the port variable and HEALTHCHECK agree with its config schema', (app) => {
    const schema = loadAppSchema(app);
    const { name, port } = portField(schema);
    // The gateway also serves gRPC on a port of its own.
    const grpc = grpcPortField(schema);
    const s = stage(`app-${app}`);
    expect(s.from).toBe('runtime');
    const env = Object.assign({}, ...s.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.env)) as Record<
      string,
      string
    >;
    expect(env).toEqual({
      PARLEY_PORT_ENV: name,
      [name]: String(port),
      ...(grpc && { [grpc.name]: String(grpc.port) }),
    });
    expect(s.instructions.filter((i) => i.keyword === 'EXPOSE').map((i) => i.args)).toEqual(
      grpc ? [String(port), String(grpc.port)] : [String(port)],
    );
    expect([app, !!grpc]).toEqual([app, app === 'chat-gateway']);
    const hc = effectiveInstructions(df, s).filter((i) => i.keyword === 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0].args).toMatch(/\/health\/live/);
  });

  describe('HEALTHCHECK command, run for real', () => {
    const hc = stage('runtime').instructions.find((i) => i.keyword === 'HEALTHCHECK');
    const cmd = execForm((hc?.args ?? '').replace(/^(--\S+\s+)*CMD\s+/, '')) ?? [];
    let server: Server;
    let status = 200;
    let paths: string[] = [];
    let port = 0;

    const check = (env: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, cmd.slice(1), {
          env: { PATH: process.env['PATH'] ?? '', ...env },
          stdio: 'ignore',
        });
        child.on('error', reject);
        child.on('exit', (code) => resolve(code ?? -1));
      });

    beforeAll(async () => {
      server = createServer((req, res) => {
        paths.push(req.url ?? '');
        res.writeHead(status).end('{}');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => {
      paths = [];
    });

    it('is `node -e <script>` (no curl in slim images)', () => {
      expect(cmd[0]).toBe('node');
      expect(cmd[1]).toBe('-e');
    });

    it('passes when /health/live on the port named by PARLEY_PORT_ENV answers 200', async () => {
      status = 200;
      expect(await check({ PARLEY_PORT_ENV: 'AUTH_PORT', AUTH_PORT: String(port) })).toBe(0);
      expect(paths).toEqual(['/health/live']);
    });

    it('fails on a non-2xx answer and when nothing listens', async () => {
      status = 503;
      expect(await check({ PARLEY_PORT_ENV: 'GATEWAY_PORT', GATEWAY_PORT: String(port) })).toBe(1);
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const freePort = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      expect(await check({ PARLEY_PORT_ENV: 'AUTH_PORT', AUTH_PORT: String(freePort) })).toBe(1);
    });
  });
});

describe('.dockerignore', () => {
  const rules = parseDockerignore(readText('.dockerignore'));

  it('keeps host state, installs, builds and secrets out of the context', () => {
    for (const p of [
      'node_modules/nx/package.json',
      'apps/auth/node_modules/x',
      'dist/apps/auth/main.js',
      '.git/HEAD',
      '.parley/keys/jwt-private.pem',
      '.nx/cache/x',
      '.env',
      'helm/parley/values.yaml',
      'docs/operations.md',
      'docker/compose.yml',
      'docker/Dockerfile',
      'apps/auth/src/accounts/password-hasher.spec.ts',
      'apps/auth/src/accounts/accounts.int-spec.ts',
    ]) {
      expect([p, isIgnored(rules, p)]).toEqual([p, true]);
    }
  });

  it('keeps everything `nx build` needs', () => {
    const files = new Set(contextFiles(ROOT, rules));
    const paths = (
      JSON.parse(readText('tsconfig.base.json')) as { compilerOptions: { paths: Record<string, string[]> } }
    ).compilerOptions.paths;
    const needed = [
      'package.json',
      'package-lock.json',
      'nx.json',
      'tsconfig.base.json',
      'docker/runtime-deps.cjs',
      // (a lib another engineer has only just aliased may not exist yet)
      ...Object.values(paths)
        .map((p) => p[0].replace(/^\.\//, ''))
        .filter(exists),
      ...apps.flatMap((a) => [
        `apps/${a}/project.json`,
        `apps/${a}/webpack.config.js`,
        `apps/${a}/tsconfig.app.json`,
        `apps/${a}/tsconfig.json`,
        `apps/${a}/src/main.ts`,
      ]),
    ];
    expect(needed.filter((f) => !files.has(f))).toEqual([]);
    // Nx builds the project graph of the context: a project naming one that is left out fails it.
    const projects = [...files]
      .filter((f) => f.endsWith('/project.json'))
      .map((f) => JSON.parse(readText(f)) as { name: string; implicitDependencies?: string[] });
    const names = new Set(projects.map((p) => p.name));
    const dangling = projects.flatMap((p) =>
      (p.implicitDependencies ?? []).filter((d) => !d.startsWith('!') && !names.has(d)).map((d) => `${p.name} -> ${d}`),
    );
    expect(dangling).toEqual([]);
    // Every source file of an app (tests aside) is in the context.
    const sources = [...files].filter((f) => /^apps\/[^/]+\/src\/.*\.ts$/.test(f));
    expect(sources.length).toBeGreaterThan(apps.length * 3);
  });
});
