import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { startWebServer, type WebServer } from './web-server';

/** tools/dev/serve-web.cjs: static files, /config.json, and the /auth + /gw proxy (HTTP and WebSocket). */
describe('serve-web (static server + same-origin proxy)', () => {
  let root: string;
  let auth: HttpServer;
  let gateway: HttpServer;
  let gatewayIo: Server;
  let web: WebServer;
  const url = (s: HttpServer) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'web-root-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Parley</title>');
    writeFileSync(join(root, 'assets', 'app-1.js'), 'console.log(1)');
    writeFileSync(join(tmpdir(), 'secret-outside-root.txt'), 'secret');

    auth = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(req.url === '/v1/auth/login' ? 401 : 200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            method: req.method,
            path: req.url,
            body,
            host: req.headers.host,
            auth: req.headers.authorization ?? null,
          }),
        );
      });
    });
    gateway = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url }));
    });
    gatewayIo = new Server(gateway);
    gatewayIo.on('connection', (s) => {
      s.emit('hello', { token: (s.handshake.auth as { token?: string }).token, transport: s.conn.transport.name });
      s.on('echo', (p: unknown, ack: (a: unknown) => void) => ack({ ok: true, p }));
    });
    await Promise.all([auth, gateway].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    web = await startWebServer({ root, authTarget: url(auth), gatewayTarget: url(gateway) });
  });

  afterAll(async () => {
    await web?.close();
    await gatewayIo.close();
    await new Promise<void>((r) => auth.close(() => r()));
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the app, its assets and /config.json pointing at the proxy', async () => {
    const index = await fetch(web.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toContain('<title>Parley</title>');
    const asset = await fetch(`${web.url}assets/app-1.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await (await fetch(`${web.url}config.json`)).json()).toEqual({ authUrl: './auth', gatewayUrl: './gw' });
    // client-side routes get the app; a missing asset is a 404; nothing outside the root is served
    expect(await (await fetch(`${web.url}chats/123`)).text()).toContain('Parley');
    expect((await fetch(`${web.url}assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${web.url}..%2Fsecret-outside-root.txt`)).status).toBe(403);
  });

  it('proxies /auth/* to auth with the prefix stripped, keeping method, body, status and headers', async () => {
    const res = await fetch(`${web.url}auth/v1/auth/login`, {
      method: 'POST',
      body: '{"u":1}',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
    const echoed = (await res.json()) as { method: string; path: string; body: string; host: string; auth: string };
    expect(echoed).toMatchObject({
      method: 'POST',
      path: '/v1/auth/login',
      body: '{"u":1}',
      auth: 'Bearer t',
      host: new URL(url(auth)).host,
    });
    expect(await (await fetch(`${web.url}gw/v1/chats?limit=2`)).json()).toEqual({ path: '/v1/chats?limit=2' });
  });

  it('carries Socket.IO through /gw/socket.io over WebSocket and long-polling', async () => {
    for (const transports of [['websocket'], ['polling']] as const) {
      const socket = io(web.url.replace(/\/$/, ''), {
        path: '/gw/socket.io',
        transports: [...transports],
        auth: { token: 'tok' },
        forceNew: true,
        reconnection: false,
      });
      try {
        const hello = await new Promise<{ token: string; transport: string }>((resolve, reject) => {
          socket.once('hello', resolve);
          socket.once('connect_error', reject);
        });
        expect(hello).toEqual({ token: 'tok', transport: transports[0] });
        expect(await socket.timeout(2000).emitWithAck('echo', 42)).toEqual({ ok: true, p: 42 });
      } finally {
        socket.close();
      }
    }
  });

  it("answers 502 unavailable in docs/protocol.md's error shape when an upstream is down", async () => {
    const down = await startWebServer({ root, authTarget: 'http://127.0.0.1:1', gatewayTarget: 'http://127.0.0.1:1' });
    try {
      const res = await fetch(`${down.url}auth/v1/users/me`);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    } finally {
      await down.close();
    }
  });
});
