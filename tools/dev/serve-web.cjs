#!/usr/bin/env node
'use strict';
/**
 * Serves the built web client (dist/apps/web) and proxies, on the same origin:
 *   /auth/*            -> auth          (default http://127.0.0.1:$AUTH_PORT, 3001)
 *   /gw/* + WebSocket  -> chat-gateway  (default http://127.0.0.1:$GATEWAY_PORT, 3000)
 * so the browser needs no CORS from either app. /config.json tells the app where they are.
 *
 *   node tools/dev/serve-web.cjs            WEB_PORT (4200), WEB_HOST (127.0.0.1), WEB_ROOT,
 *                                           WEB_AUTH_TARGET, WEB_GATEWAY_TARGET,
 *                                           WEB_PUBLIC_AUTH_URL / WEB_PUBLIC_GATEWAY_URL (what
 *                                           /config.json answers; default the proxy paths)
 * Also a module: startWebServer(options) for tests.
 */
const http = require('node:http');
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

/** Which proxy route a request path takes, and the path to send upstream. */
function route(routes, url) {
  for (const r of routes) {
    if (url === r.prefix || url.startsWith(`${r.prefix}/`) || url.startsWith(`${r.prefix}?`)) {
      const rest = url.slice(r.prefix.length);
      return { target: r.target, path: rest.startsWith('/') ? rest : `/${rest}` };
    }
  }
  return null;
}

function forwardedHeaders(req, target) {
  const headers = { ...req.headers };
  for (const h of HOP_BY_HOP) delete headers[h];
  headers.host = target.host;
  headers['x-forwarded-for'] = req.socket.remoteAddress || '';
  headers['x-forwarded-host'] = req.headers.host || '';
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

function proxyHttp(req, res, target, upstreamPath) {
  const upstream = http.request(
    {
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: upstreamPath,
      headers: forwardedHeaders(req, target),
    },
    (up) => {
      const headers = { ...up.headers };
      for (const h of HOP_BY_HOP) delete headers[h];
      res.writeHead(up.statusCode || 502, headers);
      up.pipe(res);
    },
  );
  upstream.on('error', (err) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: { code: 'unavailable', message: `upstream ${target.origin} unreachable: ${err.code || err.message}` },
      }),
    );
  });
  req.pipe(upstream);
}

/** WebSocket (Socket.IO) upgrades: replay the request line and headers upstream, then splice the sockets. */
function proxyUpgrade(req, socket, head, target, upstreamPath) {
  const upstream = net.connect(Number(target.port), target.hostname, () => {
    const headers = { ...req.headers, host: target.host, 'x-forwarded-for': req.socket.remoteAddress || '' };
    let raw = `${req.method} ${upstreamPath} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) {
      for (const value of Array.isArray(v) ? v : [v]) raw += `${k}: ${value}\r\n`;
    }
    upstream.write(`${raw}\r\n`);
    if (head && head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  const close = () => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', close);
  socket.on('error', close);
  upstream.on('close', close);
  socket.on('close', close);
}

function serveStatic(req, res, root, configJson) {
  const url = new URL(req.url, 'http://x');
  let pathname;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (pathname === '/config.json') {
    res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' });
    res.end(configJson);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = path.resolve(root, `.${pathname}`);
  const inside = file === root || file.startsWith(root + path.sep);
  const send = (p, status = 200) => {
    const ext = path.extname(p);
    const immutable = p.includes(`${path.sep}assets${path.sep}`);
    res.writeHead(status, {
      'content-type': TYPES[ext] || 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(p).pipe(res);
  };
  if (!inside) {
    res.writeHead(403, { 'content-type': TYPES['.txt'] });
    res.end('forbidden');
    return;
  }
  fs.stat(file, (err, st) => {
    if (!err && st.isFile()) return send(file);
    if (!err && st.isDirectory() && fs.existsSync(path.join(file, 'index.html')))
      return send(path.join(file, 'index.html'));
    // A path with an extension is a missing asset; anything else is the app (client-side routes).
    if (path.extname(pathname)) {
      res.writeHead(404, { 'content-type': TYPES['.txt'] });
      return res.end('not found');
    }
    const index = path.join(root, 'index.html');
    if (!fs.existsSync(index)) {
      res.writeHead(503, { 'content-type': TYPES['.txt'] });
      return res.end(`web client not built: ${index} is missing (npx nx build web)`);
    }
    send(index);
  });
}

/**
 * @param {{ root: string, authTarget: string, gatewayTarget: string, host?: string, port?: number,
 *           publicAuthUrl?: string, publicGatewayUrl?: string }} options
 */
function startWebServer(options) {
  const root = path.resolve(options.root);
  const routes = [
    { prefix: '/auth', target: new URL(options.authTarget) },
    { prefix: '/gw', target: new URL(options.gatewayTarget) },
  ];
  const configJson = JSON.stringify({
    authUrl: options.publicAuthUrl || './auth',
    gatewayUrl: options.publicGatewayUrl || './gw',
  });
  const server = http.createServer((req, res) => {
    const r = route(routes, req.url || '/');
    if (r) return proxyHttp(req, res, r.target, r.path);
    serveStatic(req, res, root, configJson);
  });
  server.on('upgrade', (req, socket, head) => {
    const r = route(routes, req.url || '/');
    if (!r) return socket.destroy();
    proxyUpgrade(req, socket, head, r.target, r.path);
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host || '127.0.0.1', () => {
      const { address, port } = server.address();
      resolve({
        server,
        url: `http://${address.includes(':') ? `[${address}]` : address}:${port}/`,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

module.exports = { startWebServer };

if (require.main === module) {
  const env = process.env;
  const workspace = path.resolve(__dirname, '../..');
  const options = {
    root: env.WEB_ROOT || path.join(workspace, 'dist/apps/web'),
    host: env.WEB_HOST || '127.0.0.1',
    port: Number(env.WEB_PORT || 4200),
    authTarget: env.WEB_AUTH_TARGET || `http://127.0.0.1:${env.AUTH_PORT || 3001}`,
    gatewayTarget: env.WEB_GATEWAY_TARGET || `http://127.0.0.1:${env.GATEWAY_PORT || 3000}`,
    publicAuthUrl: env.WEB_PUBLIC_AUTH_URL,
    publicGatewayUrl: env.WEB_PUBLIC_GATEWAY_URL,
  };
  if (!fs.existsSync(path.join(options.root, 'index.html'))) {
    console.error(`[web] ${options.root}/index.html is missing: build it with \`npx nx build web\``);
  }
  startWebServer(options).then(
    ({ url, close }) => {
      console.log(
        `[web] Parley web client: ${url}  (auth -> ${options.authTarget}, gateway -> ${options.gatewayTarget})`,
      );
      const stop = () => close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err) => {
      console.error(`[web] cannot listen on ${options.host}:${options.port}: ${err.message}`);
      process.exit(1);
    },
  );
}
