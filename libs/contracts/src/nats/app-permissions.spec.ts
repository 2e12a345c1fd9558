import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as contracts from '../index';
import {
  APP_NATS_USE,
  isContract,
  NATS_APPS,
  NATS_CONTRACTS,
  natsPermissions,
  revocationStreamApiSubjects,
  rpcsServedBy,
  RPCS_CALLED_BY_NO_APP,
  type NatsPermissions,
} from './app-permissions';
import type { ServiceQueue } from './contract';

const allow = (list: NatsPermissions['publish']): string[] => ('allow' in list ? list.allow : []);
const subjectsOf = (app: ServiceQueue) => {
  const use = APP_NATS_USE[app];
  return new Set(
    [...rpcsServedBy(app), ...use.calls, ...use.publishes, ...use.subscribes, ...use.consumes].map((c) => c.subject),
  );
};

describe('NATS permissions derived from libs/contracts', () => {
  it('finds every contract the package exports, with unique subjects', () => {
    const exported = Object.values(contracts).filter(isContract);
    expect(new Set(NATS_CONTRACTS)).toEqual(new Set(exported));
    expect(NATS_CONTRACTS.length).toBeGreaterThan(20);
    const subjects = NATS_CONTRACTS.map((c) => c.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
  });

  it.each(NATS_CONTRACTS.filter((c) => c.kind === 'rpc').map((c) => [c.subject, c] as const))(
    'rpc %s: served by exactly its queue app and called by at least one app',
    (_, c) => {
      if (c.kind !== 'rpc') throw new Error('not an rpc');
      for (const app of NATS_APPS) {
        const served = allow(natsPermissions(app).subscribe).filter((s) => s.split(' ')[0] === c.subject);
        expect([app, served]).toEqual([app, app === c.queue ? [`${c.subject} ${c.queue}`] : []]);
      }
      const callers = NATS_APPS.filter((app) => allow(natsPermissions(app).publish).includes(c.subject));
      if (RPCS_CALLED_BY_NO_APP.includes(c)) expect(callers).toEqual([]);
      else expect(callers.length).toBeGreaterThan(0);
    },
  );

  it.each(NATS_CONTRACTS.filter((c) => c.kind === 'event').map((c) => [c.subject, c] as const))(
    'event %s: published by at least one app and received by at least one',
    (_, c) => {
      const publishers = NATS_APPS.filter((app) => allow(natsPermissions(app).publish).includes(c.subject));
      const receivers = NATS_APPS.filter((app) =>
        allow(natsPermissions(app).subscribe).some((s) => s.split(' ')[0] === c.subject),
      );
      expect(publishers.length).toBeGreaterThan(0);
      expect(receivers.length).toBeGreaterThan(0);
    },
  );

  it('covers the per-instance gateway subjects with one pattern for the shared gateway identity', () => {
    const gw = natsPermissions('chat-gateway');
    expect(allow(gw.publish)).toContain('gateway.*.deliver.v1');
    expect(allow(gw.subscribe)).toContain('gateway.*.deliver.v1');
    for (const app of NATS_APPS.filter((a) => a !== 'chat-gateway')) {
      expect(JSON.stringify(natsPermissions(app)).replace('_INBOX.chat-gateway.>', '')).not.toContain('gateway.');
    }
  });

  it('gives the exact lists of message-store and of the revocation stream writer, under a subject prefix', () => {
    expect(natsPermissions('message-store', { subjectPrefix: 't1.' })).toEqual({
      publish: { allow: ['t1.chat.heads.digest.v1', '_INBOX.chat-gateway.>'] },
      subscribe: { allow: rpcsServedBy('message-store').map((c) => `t1.${c.subject} message-store`) },
      allow_responses: true,
    });
    expect(natsPermissions('auth', { subjectPrefix: 't1.' })).toEqual({
      publish: {
        allow: [
          't1.auth.session-revoked.v1',
          '$JS.API.INFO',
          '$JS.API.STREAM.INFO.PARLEY_REVOKED_SESSIONS_t1',
          '$JS.API.STREAM.CREATE.PARLEY_REVOKED_SESSIONS_t1',
          '$JS.API.STREAM.UPDATE.PARLEY_REVOKED_SESSIONS_t1',
          '$JS.API.CONSUMER.CREATE.PARLEY_REVOKED_SESSIONS_t1.*',
          '$JS.API.CONSUMER.MSG.NEXT.PARLEY_REVOKED_SESSIONS_t1.*',
          '$JS.API.CONSUMER.INFO.PARLEY_REVOKED_SESSIONS_t1.*',
          '$JS.API.CONSUMER.DELETE.PARLEY_REVOKED_SESSIONS_t1.*',
          '_INBOX.chat-gateway.>',
        ],
      },
      subscribe: { allow: ['t1.user.exists.v1 auth', '_INBOX.auth.>'] },
      allow_responses: true,
    });
  });

  it('lets no app delete or purge the revocation stream, and only auth write to it', () => {
    for (const app of NATS_APPS) {
      const pub = allow(natsPermissions(app).publish);
      expect(pub.filter((s) => /STREAM\.(DELETE|PURGE|MSG\.DELETE)|\$JS\.API\.>|^>$/.test(s))).toEqual([]);
      expect([app, pub.includes('auth.session-revoked.v1')]).toEqual([app, app === 'auth']);
    }
    expect(revocationStreamApiSubjects(['follow'])).not.toContain('$JS.API.STREAM.UPDATE.PARLEY_REVOKED_SESSIONS');
  });

  it('lets a server publish replies only under the inbox prefixes of the apps that call it', () => {
    const replyRights = NATS_APPS.flatMap((app) =>
      allow(natsPermissions(app).publish)
        .filter((s) => s.startsWith('_INBOX'))
        .map((s) => `${app}: ${s}`),
    );
    expect(replyRights.sort()).toEqual([
      'auth: _INBOX.chat-gateway.>',
      'message-store: _INBOX.chat-gateway.>',
      'presence: _INBOX.chat-gateway.>',
      'push-notifier: _INBOX.chat-gateway.>',
    ]);
  });

  it('gives reply inboxes only to the apps that make requests, each under its own prefix', () => {
    const inboxes = NATS_APPS.flatMap((app) =>
      allow(natsPermissions(app).subscribe)
        .filter((s) => s.startsWith('_INBOX'))
        .map((s) => `${app}: ${s}`),
    );
    expect(inboxes.sort()).toEqual(['auth: _INBOX.auth.>', 'chat-gateway: _INBOX.chat-gateway.>']);
  });
});

/** The non-test .ts files of an app. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name) ? [path] : [];
  });
}

/** Identifiers imported from @parley/contracts (named imports, `type` and `as` stripped). */
function importedContractNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'@parley\/contracts'/g)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]
        .trim();
      if (name) names.push(name);
    }
  }
  return names;
}

describe('each app uses only the subjects its NATS identity declares', () => {
  const root = join(__dirname, '../../../..');

  it.each(NATS_APPS.map((app) => [app]))('%s', (app) => {
    const files = sourceFiles(join(root, 'apps', app, 'src'));
    expect(files.length).toBeGreaterThan(3);
    const declared = subjectsOf(app);
    const undeclared: string[] = [];
    let seen = 0;
    for (const file of files) {
      for (const name of importedContractNames(readFileSync(file, 'utf8'))) {
        const value = (contracts as Record<string, unknown>)[name];
        // Per-instance subject factories (gatewayDeliverV1) are declared as their '*' pattern.
        const contract =
          typeof value === 'function' && /V\d+$/.test(name) ? (value as (id: string) => unknown)('*') : value;
        if (!isContract(contract)) continue;
        seen++;
        if (!declared.has(contract.subject))
          undeclared.push(`${name} (${contract.subject}) in ${file.slice(root.length + 1)}`);
      }
    }
    expect(seen).toBeGreaterThan(0);
    expect(undeclared).toEqual([]);
  });

  // The revocation stream is used through util-auth's RevocationStream, not a contract import.
  it.each(NATS_APPS.map((app) => [app]))('%s declares what it does with the revocation stream', (app) => {
    const uses = new Set<string>();
    for (const file of sourceFiles(join(root, 'apps', app, 'src'))) {
      const source = readFileSync(file, 'utf8');
      if (!source.includes('new RevocationStream(')) continue;
      if (/stream\.follow\(/.test(source)) uses.add('follow');
      // publish, or ensure(maxAge) which updates the stream's max age
      if (/stream\.publish\(|stream\.ensure\([^)]/.test(source)) uses.add('write');
    }
    expect([...(APP_NATS_USE[app].revocationStream ?? [])].sort()).toEqual([...uses].sort());
  });

  it('would catch an app importing a contract it does not declare', () => {
    const names = importedContractNames(
      "import {\n  type Chat,\n  MessageHistoryV1 as History,\n} from '@parley/contracts';",
    );
    expect(names).toEqual(['Chat', 'MessageHistoryV1']);
    expect(subjectsOf('push-notifier').has(contracts.MessageHistoryV1.subject)).toBe(false);
  });
});
