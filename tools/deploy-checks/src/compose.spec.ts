import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { ensureKeys, stackEnv } from './lib/cjs';
import { clusterNeeds, grpcPortField, loadAppSchema, portField } from './lib/config-schema';
import { parseYaml } from './lib/helm';
import { exists, listApps, migratingApps, ROOT, readText } from './lib/repo';
import { NATS_APPS, natsPermissions, type NatsPermissions } from '@parley/contracts';
import { sortedPermissions } from './lib/nats';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  user?: string;
  secrets?: { source: string; target: string }[];
}

/** Compose's `${VAR:-default}` with nothing set in the environment. */
function interpolate(v: unknown): unknown {
  if (typeof v === 'string')
    return v.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, _name: string, def?: string) => def ?? '');
  if (Array.isArray(v)) return v.map(interpolate);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolate(x)]));
  return v;
}

const compose = interpolate(parseYaml(readText('docker/compose.yml'))) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
const services = compose.services;
const apps = listApps();
const LOCAL = /(^|[/@:])(127\.0\.0\.1|localhost)([:/]|$)/;

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`docker/compose.yml has no service "${name}"`);
  return s;
}

/** "volume:/path[:ro]" mounts of a service -> { source, target }. */
function mounts(s: Service) {
  return (s.volumes ?? []).map((v) => {
    const [source, target] = v.split(':');
    return { source, target };
  });
}

describe('docker/compose.yml', () => {
  it('runs PostgreSQL 15, Redis 7 with noeviction and NATS 2 with JetStream, each with a health check', () => {
    expect(service('postgres').image).toBe('postgres:15');
    expect(service('redis').image).toBe('redis:7');
    expect(service('redis').command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
    expect(service('nats').image).toMatch(/^nats:2\b/);
    // JetStream and the rest come from the generated configuration (see the NATS tests below).
    expect(service('nats').command).toEqual(['nats-server', '-c', '/etc/nats/nats.conf']);
    for (const infra of ['postgres', 'redis', 'nats']) expect(service(infra).healthcheck?.test).toBeDefined();
  });

  it.each(apps)('%s: built from docker/Dockerfile (build arg APP) as parley/<app>', (app) => {
    const s = service(app);
    expect(s.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile', args: { APP: app } });
    expect(s.image).toMatch(new RegExp(`^parley/${app}:`));
  });

  it.each(apps)('%s: environment sets every variable its config schema needs in a cluster', (app) => {
    const schema = loadAppSchema(app);
    const env = service(app).environment ?? {};
    const unmet = clusterNeeds(schema).filter((n) => !n.anyOf.some((v) => env[v]));
    expect(unmet.map((n) => `${n.name} (${n.why})`)).toEqual([]);
    const { name, port } = portField(schema);
    expect(env[name]).toBe(String(port));
    // Nothing points at the host's loopback: services are reached by name. CORS_ORIGINS is the
    // exception: it names where the user's browser loads the web client from, not a service.
    expect(Object.entries(env).filter(([k, v]) => k !== 'CORS_ORIGINS' && LOCAL.test(v))).toEqual([]);
  });

  it.each(apps)('%s: has the same variables as the dev stack (tools/dev)', (app) => {
    const devVars = Object.keys(stackEnv({}));
    const env = service(app).environment ?? {};
    expect(devVars.filter((v) => !(v in env))).toEqual([]);
  });

  it('publishes the gateway on 3000 (gRPC on 3005) and auth on 3001 (their schema ports), nothing else', () => {
    const published = Object.fromEntries(
      Object.entries(services)
        .filter(([, s]) => s.ports?.length)
        .map(([name, s]) => [name, s.ports]),
    );
    expect(published).toEqual({
      'chat-gateway': [
        `3000:${portField(loadAppSchema('chat-gateway')).port}`,
        `3005:${grpcPortField(loadAppSchema('chat-gateway'))?.port}`,
      ],
      auth: [`3001:${portField(loadAppSchema('auth')).port}`],
    });
  });

  it.each(migratingApps())('%s: a one-shot migrate service runs first and the app waits for its success', (app) => {
    const m = service(`${app}-migrate`);
    expect(m.image).toBe(service(app).image);
    expect(m.command).toEqual(['migrate']); // entry point `node main.js` + migrate
    expect(m.environment?.['DATABASE_URL']).toBe(service(app).environment?.['DATABASE_URL']);
    expect(m.depends_on?.['postgres']).toEqual({ condition: 'service_healthy' });
    expect(service(app).depends_on?.[`${app}-migrate`]).toEqual({ condition: 'service_completed_successfully' });
  });

  it('has a migrate service only for apps that migrate', () => {
    const migrators = Object.keys(services).filter((n) => n.endsWith('-migrate'));
    expect(migrators.sort()).toEqual(
      migratingApps()
        .map((a) => `${a}-migrate`)
        .sort(),
    );
  });

  it.each(apps)('%s: waits for what it uses (keys, NATS, Redis)', (app) => {
    const s = service(app);
    const env = s.environment ?? {};
    expect(s.depends_on?.['nats']).toEqual({ condition: 'service_healthy' });
    expect(s.depends_on?.['keys']).toEqual({ condition: 'service_completed_successfully' });
    const schema = loadAppSchema(app);
    if (schema.fields.some((f) => f.name === 'REDIS_URL'))
      expect(s.depends_on?.['redis']).toEqual({ condition: 'service_healthy' });
    expect(env['REDIS_URL']).toBe('redis://redis:6379');
    expect(env['NATS_URL']).toBe('nats://nats:4222');
  });

  it('generates the key files the apps read, with tools/dev/ensure-keys.cjs, into a volume the apps mount read-only', () => {
    const keys = service('keys');
    const keysMount = mounts(keys).find((m) => compose.volumes && m.source in compose.volumes);
    expect(keysMount).toBeDefined();
    const script = mounts(keys).find((m) => m.source.endsWith('ensure-keys.cjs'));
    expect(script && exists(posix.normalize(posix.join('docker', script.source)))).toBe(true);
    const command = Array.isArray(keys.command) ? keys.command.join(' ') : String(keys.command);
    expect(command).toContain(`node ${script?.target} --dir ${keysMount?.target}`);
    // The apps run as uid 1000 (USER node): the keys are handed to it.
    expect(command).toMatch(/chown -R node:node/);

    // The file names the apps are pointed at are those ensure-keys writes (the NATS password is a compose secret).
    const dir = mkdtempSync(join(tmpdir(), 'compose-keys-'));
    try {
      ensureKeys(dir);
      const written = readdirSync(dir).sort();
      for (const app of apps) {
        const env = service(app).environment ?? {};
        const appMount = mounts(service(app)).find((m) => m.source === keysMount?.source);
        expect(appMount?.target).toBe(keysMount?.target);
        expect(service(app).volumes).toContain(`${keysMount?.source}:${keysMount?.target}:ro`);
        for (const [name, value] of Object.entries(env).filter(
          ([k]) => k.endsWith('_FILE') && k !== 'NATS_PASSWORD_FILE',
        )) {
          expect([name, dirname(value)]).toEqual([name, keysMount?.target]);
          expect(written).toContain(basename(value));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('NATS identities', () => {
    const natsConfMount = mounts(service('nats')).find((m) => m.target === '/etc/nats/nats.conf');
    const dir = mkdtempSync(join(tmpdir(), 'compose-nats-'));
    // The one command docs/operations.md gives, into a scratch directory instead of .parley/compose/nats.
    const run = spawnSync(process.execPath, [join(ROOT, 'tools/nats-auth/compose.cjs'), '--dir', dir], {
      encoding: 'utf8',
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const conf =
      run.status === 0
        ? (JSON.parse(readFileSync(join(dir, 'nats.conf'), 'utf8')) as {
            jetstream: { store_dir: string };
            http_port: number;
            authorization: { users: { user: string; password: string; permissions: unknown }[] };
          })
        : null;

    it('tools/nats-auth/compose.cjs writes the configuration NATS mounts and one password per app', () => {
      expect([run.status, run.stderr]).toEqual([0, '']);
      expect(natsConfMount?.source).toBe('../.parley/compose/nats/nats.conf');
      expect(readdirSync(dir).sort()).toEqual(['nats.conf', ...NATS_APPS.map((a) => `${a}.password`)].sort());
      // The apps run as uid 1000: their password files are readable, the directory is the owner's.
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'auth.password')).mode & 0o777).toBe(0o644);
      expect(statSync(join(dir, 'nats.conf')).mode & 0o777).toBe(0o600);
    });

    it('starts NATS with JetStream in its volume, the health-check port, and a user per app with the permissions of libs/contracts', () => {
      expect(mounts(service('nats'))).toContainEqual({ source: 'nats-data', target: conf?.jetstream.store_dir });
      expect(JSON.stringify(service('nats').healthcheck?.test)).toContain(`:${conf?.http_port}/healthz`);
      expect(conf?.authorization.users.map((u) => u.user).sort()).toEqual([...NATS_APPS].sort());
      for (const u of conf?.authorization.users ?? [])
        expect([u.user, sortedPermissions(u.permissions as NatsPermissions)]).toEqual([
          u.user,
          sortedPermissions(natsPermissions(u.user as never)),
        ]);
    });

    it.each(apps)('%s: authenticates as itself with only its own password (a compose secret)', (app) => {
      const s = service(app);
      expect(s.environment?.['NATS_USER']).toBe(app);
      expect(s.secrets).toEqual([{ source: `nats-${app}`, target: 'nats-password' }]);
      expect(s.environment?.['NATS_PASSWORD_FILE']).toBe('/run/secrets/nats-password');
      const file = compose.secrets[`nats-${app}`]?.file;
      expect(file).toBe(`../.parley/compose/nats/${app}.password`);
      const written = join(dir, basename(file ?? ''));
      expect(existsSync(written)).toBe(true);
      expect(conf?.authorization.users.find((u) => u.user === app)?.password).toBe(
        readFileSync(written, 'utf8').trim(),
      );
    });

    it('keeps the passwords when run again', () => {
      const before = readFileSync(join(dir, 'auth.password'), 'utf8');
      expect(spawnSync(process.execPath, [join(ROOT, 'tools/nats-auth/compose.cjs'), '--dir', dir]).status).toBe(0);
      expect(readFileSync(join(dir, 'auth.password'), 'utf8')).toBe(before);
    });
  });
});
