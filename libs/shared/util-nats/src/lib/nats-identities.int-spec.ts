import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeviceRegisterV1,
  gatewayDeliverV1,
  MessageHistoryV1,
  NATS_APPS,
  natsInboxPrefix,
  PresenceChangedV1,
  PresenceLocateV1,
  PushNotifyV1,
  sessionRevocationsStreamName,
  SessionRevokedV1,
  UsersExistV1,
  type ServiceQueue,
} from '@parley/contracts';
import { RevocationStream, RevokedSessions } from '@parley/shared/util-auth';
import { connect, ErrorCode, JSONCodec, type NatsConnection } from 'nats';
import { NatsBus } from './nats-bus';
import { ensureNatsPasswords, parleyNatsUsers, writeNatsServerConfig } from './nats-server-config';

/**
 * The apps' NATS identities against a real nats-server started here with the generated
 * configuration. A refused subject is reported by the server asynchronously (-ERR 'Permissions
 * Violation ...'); nats.js turns it into an 'error' status carrying the operation and subject,
 * which is what these tests wait for.
 */
const prefix = 'p1.';
jest.setTimeout(20_000);
const codec = JSONCodec<unknown>();
const serverBin =
  ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ??
  'nats-server';

interface Violation {
  operation: string;
  subject: string;
  queue?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function until<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('NATS identities (real nats-server with the generated configuration)', () => {
  let dir: string;
  let server: ChildProcess;
  let url: string;
  let passwords: Record<ServiceQueue, string>;
  const open: NatsConnection[] = [];
  const violations = new Map<NatsConnection, Violation[]>();

  /** Records every permission violation the server reports to this connection. */
  function watch(nc: NatsConnection): NatsConnection {
    open.push(nc);
    const seen: Violation[] = [];
    violations.set(nc, seen);
    void (async () => {
      for await (const s of nc.status()) {
        const ctx = (s as { permissionContext?: Violation }).permissionContext;
        if (s.type === 'error' && ctx) seen.push(ctx);
      }
    })();
    return nc;
  }

  const connectAs = async (app: ServiceQueue, name: string = app) =>
    watch(
      await connect({
        servers: url,
        user: app,
        pass: passwords[app],
        name,
        maxReconnectAttempts: 0,
        inboxPrefix: natsInboxPrefix(app),
      }),
    );

  const busAs = async (app: ServiceQueue, requestTimeoutMs: number) => {
    const bus = await NatsBus.connect({
      url,
      name: app,
      requestTimeoutMs,
      subjectPrefix: prefix,
      user: app,
      pass: passwords[app],
      inboxPrefix: natsInboxPrefix(app),
    });
    watch(bus.connection);
    return bus;
  };

  const violationOf = (nc: NatsConnection, operation: string, subject: string) =>
    until(() => violations.get(nc)?.find((v) => v.operation === operation && v.subject === subject));

  /** A server of `subject` in `queue`, answering in Nest's wire format. */
  function serve(nc: NatsConnection, subject: string, queue: string, answer: (data: unknown) => unknown) {
    return nc.subscribe(prefix + subject, {
      queue,
      callback: (_err, msg) => {
        const packet = codec.decode(msg.data) as { id: string; data: unknown };
        msg.respond(codec.encode({ id: packet.id, response: answer(packet.data), isDisposed: true }));
      },
    });
  }

  async function startServer(): Promise<void> {
    server = spawn(serverBin, ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await (await connect({ servers: url, user: 'auth', pass: passwords.auth })).close();
        return;
      } catch (err) {
        if (Date.now() > deadline || server.exitCode !== null)
          throw new Error(`nats-server did not start: ${(err as Error).message}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async function stopServer(): Promise<void> {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-nats-auth-'));
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    passwords = ensureNatsPasswords(join(dir, 'keys'));
    const conf = join(dir, 'nats.conf');
    writeNatsServerConfig(conf, {
      host: '127.0.0.1',
      port,
      storeDir: join(dir, 'js'),
      users: parleyNatsUsers(passwords, { subjectPrefix: prefix }),
    });
    await startServer();
  }, 30_000);

  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close().catch(() => undefined)));
    await stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an anonymous connection and a wrong password', async () => {
    await expect(connect({ servers: url, maxReconnectAttempts: 0 })).rejects.toMatchObject({
      code: ErrorCode.AuthorizationViolation,
    });
    await expect(
      connect({ servers: url, user: 'chat-gateway', pass: passwords.auth, maxReconnectAttempts: 0 }),
    ).rejects.toMatchObject({
      code: ErrorCode.AuthorizationViolation,
    });
  });

  it('refuses to talk in clear when NATS_URL says tls:// (this server has no TLS)', async () => {
    const bus = NatsBus.connect({
      url: url.replace('nats://', 'tls://'),
      name: 'tls',
      requestTimeoutMs: 500,
      user: 'auth',
      pass: passwords.auth,
    });
    await expect(bus).rejects.toThrow('the URL asks for TLS (tls://) and the server does not offer it');
  });

  it.each(NATS_APPS.map((app) => [app]))('lets %s connect with its credentials', async (app) => {
    const nc = await connectAs(app);
    await nc.flush();
    expect(nc.info?.auth_required).toBe(true);
  });

  it('refuses push-notifier asking message.history.v1 (the request is not delivered)', async () => {
    const store = await connectAs('message-store');
    let served = 0;
    const history = serve(store, MessageHistoryV1.subject, 'message-store', () => (served++, { messages: [] }));
    await store.flush();
    const nc = await connectAs('push-notifier');
    const bus = await busAs('push-notifier', 500);
    await expect(bus.request(MessageHistoryV1, { chatId: 'c', userId: 'u', limit: 1 })).rejects.toMatchObject({
      code: 'unavailable',
    });
    await violationOf(bus.connection, 'publish', `${prefix}message.history.v1`);
    // Its raw connection cannot read the replies of others either.
    nc.subscribe('_INBOX.>');
    await violationOf(nc, 'subscription', '_INBOX.>');
    expect(served).toBe(0);
    history.unsubscribe();
  });

  it("keeps each app to its own reply inbox: the gateway cannot read auth's replies, nor auth the gateway's", async () => {
    const gw = await connectAs('chat-gateway');
    gw.subscribe(`${natsInboxPrefix('auth')}.>`);
    await violationOf(gw, 'subscription', '_INBOX.auth.>');
    gw.subscribe('_INBOX.>');
    await violationOf(gw, 'subscription', '_INBOX.>');
    const auth = await connectAs('auth');
    auth.subscribe(`${natsInboxPrefix('chat-gateway')}.*`);
    await violationOf(auth, 'subscription', '_INBOX.chat-gateway.*');
  });

  it('refuses a gateway publishing a session revocation, or deleting the revocation stream', async () => {
    const gw = await connectAs('chat-gateway');
    const listener = await connectAs('chat-gateway', 'listener');
    const got: unknown[] = [];
    listener.subscribe(prefix + SessionRevokedV1.subject, { callback: (_e, m) => got.push(codec.decode(m.data)) });
    await listener.flush();
    gw.publish(
      prefix + SessionRevokedV1.subject,
      codec.encode({ pattern: SessionRevokedV1.subject, data: { userId: 'victim' } }),
    );
    await violationOf(gw, 'publish', `${prefix}${SessionRevokedV1.subject}`);
    const jsm = await gw.jetstreamManager({ timeout: 1000 });
    await expect(jsm.streams.delete(sessionRevocationsStreamName(prefix))).rejects.toBeDefined();
    await violationOf(gw, 'publish', `$JS.API.STREAM.DELETE.${sessionRevocationsStreamName(prefix)}`);
    expect(got).toEqual([]);
  });

  it('refuses presence reading the gateways deliveries', async () => {
    const nc = await connectAs('presence');
    nc.subscribe(prefix + gatewayDeliverV1('*').subject);
    await violationOf(nc, 'subscription', `${prefix}gateway.*.deliver.v1`);
  });

  it('refuses message-store eavesdropping on its own subject outside its queue group', async () => {
    const nc = await connectAs('message-store');
    nc.subscribe(prefix + MessageHistoryV1.subject);
    await violationOf(nc, 'subscription', `${prefix}${MessageHistoryV1.subject}`);
    nc.subscribe(prefix + MessageHistoryV1.subject, { queue: 'other' });
    await until(() => violations.get(nc)?.find((v) => v.queue === 'other'));
  });

  it('refuses auth adding members to a chat', async () => {
    const nc = await connectAs('auth');
    nc.publish(`${prefix}chat.members.add.v1`, codec.encode({ pattern: 'chat.members.add.v1', data: {} }));
    await violationOf(nc, 'publish', `${prefix}chat.members.add.v1`);
  });

  it('lets the gateway call a contract of each app, through NatsBus and the RpcPipeline wire pattern', async () => {
    const servers = {
      auth: await connectAs('auth'),
      'message-store': await connectAs('message-store'),
      presence: await connectAs('presence'),
      'push-notifier': await connectAs('push-notifier'),
    };
    serve(servers.auth, UsersExistV1.subject, 'auth', () => ({ missing: ['x'] }));
    serve(servers['message-store'], MessageHistoryV1.subject, 'message-store', () => ({
      messages: [],
      hasMore: false,
    }));
    serve(servers.presence, PresenceLocateV1.subject, 'presence', () => ({ locations: { u: ['gw1'] } }));
    serve(servers['push-notifier'], DeviceRegisterV1.subject, 'push-notifier', (d) => ({
      ...(d as object),
      id: 'dev1',
    }));
    await Promise.all(Object.values(servers).map((nc) => nc.flush()));

    const bus = await busAs('chat-gateway', 2000);
    await expect(bus.request(UsersExistV1, { userIds: ['x'] })).resolves.toEqual({ missing: ['x'] });
    await expect(bus.request(MessageHistoryV1, { chatId: 'c', userId: 'u', limit: 1 })).resolves.toEqual({
      messages: [],
      hasMore: false,
    });
    await expect(
      bus.request(DeviceRegisterV1, { userId: 'u', token: 't', platform: 'android' }),
    ).resolves.toMatchObject({ id: 'dev1' });

    // RpcPipeline: one inbox subscription `<inbox>.*` under the app's inbox prefix.
    const pipeline = bus.pipeline(PresenceLocateV1, { maxInFlight: 10 });
    await expect(pipeline.request({ userIds: ['u'] })).resolves.toEqual({ locations: { u: ['gw1'] } });
    pipeline.close();
    for (const nc of [...Object.values(servers), bus.connection]) expect(violations.get(nc)).toEqual([]);
  });

  it('carries the events each app publishes to the apps that receive them', async () => {
    const gw1 = await connectAs('chat-gateway', 'gw1');
    const gw2 = await connectAs('chat-gateway', 'gw2');
    const presence = await connectAs('presence');
    const push = await connectAs('push-notifier');
    const got: string[] = [];
    const on = (nc: NatsConnection, subject: string, tag: string, queue?: string) =>
      nc.subscribe(prefix + subject, { queue, callback: () => got.push(tag) });
    on(gw2, gatewayDeliverV1('gw2').subject, 'gw2 delivery');
    on(gw2, PresenceChangedV1.subject, 'gw2 presence');
    on(push, PresenceChangedV1.subject, 'push presence', 'push-notifier');
    on(push, PushNotifyV1.subject, 'push notify', 'push-notifier');
    await Promise.all([gw2.flush(), push.flush()]);

    gw1.publish(prefix + gatewayDeliverV1('gw2').subject, codec.encode({ data: {} }));
    gw1.publish(prefix + PushNotifyV1.subject, codec.encode({ data: {} }));
    presence.publish(prefix + PresenceChangedV1.subject, codec.encode({ data: {} }));
    await until(() => (got.length === 4 ? true : undefined));
    expect(got.sort()).toEqual(['gw2 delivery', 'gw2 presence', 'push notify', 'push presence']);
    for (const nc of [gw1, gw2, presence, push]) expect(violations.get(nc)).toEqual([]);
  });

  it('keeps the revocation stream working: auth creates, writes and follows it, a gateway replays and follows it', async () => {
    const auth = await connectAs('auth');
    const gw = await connectAs('chat-gateway');
    const writer = new RevocationStream(auth, { subjectPrefix: prefix });
    expect(await writer.ensure(3600)).toMatchObject({ maxAgeSeconds: 3600 });
    expect(await writer.ensure(7200)).toMatchObject({ maxAgeSeconds: 7200 }); // auth may change the lifetime
    await writer.publish({ userId: 'u1', sessionId: 's1' });
    // Every auth replica follows the stream too (it refuses revoked tokens itself).
    const authList = new RevokedSessions();
    const authFollower = await writer.follow(authList);
    expect(authList.hasSession('s1')).toBe(true);
    authFollower.stop();

    const live: unknown[] = [];
    gw.subscribe(prefix + SessionRevokedV1.subject, { callback: (_e, m) => live.push(codec.decode(m.data)) });
    const list = new RevokedSessions();
    const follower = await new RevocationStream(gw, { subjectPrefix: prefix }).follow(list);
    expect(follower.replayed).toBe(1);
    await writer.publish({ userId: 'u2' });
    const now = Math.floor(Date.now() / 1000);
    await until(() => (list.isRevoked({ userId: 'u2', sessionId: 'any', issuedAt: now - 1 }) ? true : undefined));
    expect(list.hasSession('s1')).toBe(true);
    await until(() => (live.length === 1 ? true : undefined));
    follower.stop();

    // The follower may not change the stream.
    const gwJsm = await gw.jetstreamManager({ timeout: 1000 });
    const info = await gwJsm.streams.info(sessionRevocationsStreamName(prefix));
    const refused = await gwJsm.streams
      .update(info.config.name, { ...info.config, max_age: 1e9 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    await violationOf(gw, 'publish', `$JS.API.STREAM.UPDATE.${sessionRevocationsStreamName(prefix)}`);
    expect((await gwJsm.streams.info(info.config.name)).config.max_age).toBe(7200 * 1e9);
    expect(violations.get(auth)).toEqual([]);
    expect(violations.get(gw)?.map((v) => v.subject)).toEqual([
      `$JS.API.STREAM.UPDATE.${sessionRevocationsStreamName(prefix)}`,
    ]);
  });

  // Last: it restarts the server. The ordered consumer is then re-created through its reset path
  // (CONSUMER.INFO, CONSUMER.DELETE of the lost one, CONSUMER.CREATE), which needs its permissions too.
  it('keeps a gateway following the revocation stream across a NATS restart', async () => {
    const gw = watch(
      await connect({
        servers: url,
        user: 'chat-gateway',
        pass: passwords['chat-gateway'],
        name: 'gw-restart',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 100,
        inboxPrefix: natsInboxPrefix('chat-gateway'),
      }),
    );
    const list = new RevokedSessions();
    const follower = await new RevocationStream(gw, { subjectPrefix: prefix }).follow(list);
    await stopServer();
    await startServer();
    const auth = await connectAs('auth', 'auth-after-restart');
    await new RevocationStream(auth, { subjectPrefix: prefix }).publish({ userId: 'u3', sessionId: 's3' });
    await until(() => (list.hasSession('s3') ? true : undefined), 30_000);
    follower.stop();
    expect(violations.get(gw)).toEqual([]);
  }, 60_000);
});
