import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_APPS, natsPermissions } from '@parley/contracts';
import { natsSecurityOptions } from './nats-bus';
import {
  ensureNatsPasswords,
  natsPasswordFile,
  parleyNatsUsers,
  renderNatsServerConfig,
  writeNatsServerConfig,
} from './nats-server-config';

describe('nats-server configuration', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nats-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates one password per app (0600), keeps existing ones, and renders a user per app with its permissions', () => {
    writeFileSync(natsPasswordFile(dir, 'presence'), 'kept-password-0123456789\n');
    const passwords = ensureNatsPasswords(dir);
    expect(passwords.presence).toBe('kept-password-0123456789');
    for (const app of NATS_APPS) expect(passwords[app].length).toBeGreaterThanOrEqual(16);
    expect(new Set(Object.values(passwords)).size).toBe(NATS_APPS.length);
    expect(statSync(natsPasswordFile(dir, 'auth')).mode & 0o777).toBe(0o600);
    expect(ensureNatsPasswords(dir)).toEqual(passwords);

    const path = join(dir, 'out', 'nats.conf');
    writeNatsServerConfig(path, {
      host: '127.0.0.1',
      port: 4222,
      storeDir: '/var/lib/nats',
      users: parleyNatsUsers(passwords, { subjectPrefix: 'x.' }),
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(path, 'utf8'));
    expect(config).toMatchObject({ host: '127.0.0.1', port: 4222, jetstream: { store_dir: '/var/lib/nats' } });
    expect(config.tls).toBeUndefined();
    expect(config.authorization.users).toEqual(
      NATS_APPS.map((app) => ({
        user: app,
        password: passwords[app],
        permissions: natsPermissions(app, { subjectPrefix: 'x.' }),
      })),
    );
  });

  it('adds the tls block when given', () => {
    const users = parleyNatsUsers(Object.fromEntries(NATS_APPS.map((a) => [a, `${a}-password-0123456789`])) as never);
    const config = JSON.parse(
      renderNatsServerConfig({
        host: '0.0.0.0',
        port: 4222,
        storeDir: '/js',
        users,
        tls: { certFile: '/c.pem', keyFile: '/k.pem' },
      }),
    );
    expect(config.tls).toEqual({ cert_file: '/c.pem', key_file: '/k.pem' });
  });

  it('refuses a configuration without users, a short password or a user name that needs quoting', () => {
    const base = { host: '127.0.0.1', port: 4222, storeDir: '/js' };
    const perms = natsPermissions('auth');
    expect(() => renderNatsServerConfig({ ...base, users: [] })).toThrow('at least one user');
    expect(() =>
      renderNatsServerConfig({ ...base, users: [{ user: 'auth', password: 'short', permissions: perms }] }),
    ).toThrow('too short');
    expect(() =>
      renderNatsServerConfig({
        ...base,
        users: [{ user: 'a b', password: 'long-enough-password', permissions: perms }],
      }),
    ).toThrow('may hold only');
  });
});

describe('natsSecurityOptions', () => {
  it('sends credentials only with a password, and requires TLS for a tls:// URL', () => {
    expect(natsSecurityOptions({ url: 'nats://n:4222', user: 'auth' })).toEqual({});
    expect(natsSecurityOptions({ url: 'nats://n:4222', user: 'auth', pass: 'secret' })).toEqual({
      user: 'auth',
      pass: 'secret',
    });
    expect(natsSecurityOptions({ url: 'nats://a:4222, tls://b:4222', user: 'auth', pass: 'secret' })).toEqual({
      user: 'auth',
      pass: 'secret',
      tls: {},
    });
  });
});
