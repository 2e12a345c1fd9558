import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { Backoff } from './backoff';
import { Connection, type ConnectionEvent, type ConnectionOptions } from './connection';

/** A real Socket.IO server playing the gateway's connection rules (token check, expiry). */
async function fakeGateway(path = '/socket.io') {
  const http: HttpServer = createServer();
  const io = new Server(http, { path });
  const valid = new Set(['good']);
  const sockets: ServerSocket[] = [];
  io.use((socket, next) =>
    valid.has(String(socket.handshake.auth['token'])) ? next() : next(new Error('unauthorized')),
  );
  io.on('connection', (s) => {
    sockets.push(s);
    s.on('echo', (payload: unknown, ack: (a: unknown) => void) => ack({ ok: true, payload }));
    s.on('refuse', (_p: unknown, ack: (a: unknown) => void) =>
      ack({ ok: false, error: { code: 'forbidden', message: 'no' } }),
    );
    s.on('silent', () => undefined);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { io, url, valid, sockets, close: () => io.close() };
}

function setup(gatewayUrl: string, token: { value: string }, extra: Partial<ConnectionOptions> = {}) {
  const states: ConnectionEvent[] = [];
  let connects = 0;
  let unauthorized = 0;
  const conn = new Connection({
    gatewayUrl,
    token: () => token.value,
    transports: ['websocket'],
    onState: (e) => states.push(e),
    onConnect: () => connects++,
    onUnauthorized: () => unauthorized++,
    bind: () => undefined,
    ...extra,
  });
  return { conn, states, counts: () => ({ connects, unauthorized }) };
}

async function until(check: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Connection (against a real Socket.IO server)', () => {
  let gw: Awaited<ReturnType<typeof fakeGateway>>;
  const opened: Connection[] = [];
  beforeEach(async () => {
    gw = await fakeGateway();
  });
  afterEach(async () => {
    opened.splice(0).forEach((c) => c.close());
    await gw.close();
  });

  it('connects, turns acks into promises with docs/protocol.md errors, and times out silent events', async () => {
    const { conn, states } = setup(gw.url, { value: 'good' });
    opened.push(conn);
    await expect(conn.request('echo', { a: 1 }, 1000)).rejects.toMatchObject({ code: 'network' });
    conn.open();
    await until(() => conn.connected);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'connected']);
    await expect(conn.request('echo', { a: 1 }, 1000)).resolves.toEqual({ ok: true, payload: { a: 1 } });
    await expect(conn.request('refuse', {}, 1000)).rejects.toMatchObject({ code: 'forbidden', message: 'no' });
    await expect(conn.request('silent', {}, 200)).rejects.toMatchObject({ code: 'timeout' });
  });

  it('a refused token is `unauthorized`; a fresh token connects', async () => {
    const token = { value: 'bad' };
    const { conn, states, counts } = setup(gw.url, token);
    opened.push(conn);
    conn.open();
    await until(() => counts().unauthorized === 1);
    expect(conn.state).toBe('unauthorized');
    token.value = 'good';
    conn.open();
    await until(() => conn.connected);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'unauthorized', 'connecting', 'connected']);
  });

  it("the server's `error` unauthorized then disconnect (token expired) is `unauthorized`, not a silent retry", async () => {
    const { conn, counts } = setup(gw.url, { value: 'good' });
    opened.push(conn);
    conn.open();
    await until(() => conn.connected);
    const s = gw.sockets[0];
    s.emit('error', { code: 'unauthorized', message: 'access token expired' });
    s.disconnect(true);
    await until(() => counts().unauthorized === 1);
    expect(conn.state).toBe('unauthorized');
    await new Promise((r) => setTimeout(r, 700));
    expect(counts().connects).toBe(1);
  });

  it('a plain server-side disconnect (gateway shutting down) reconnects by itself', async () => {
    const { conn, counts } = setup(gw.url, { value: 'good' });
    opened.push(conn);
    conn.open();
    await until(() => conn.connected);
    gw.sockets[0].disconnect(true);
    await until(() => counts().connects === 2);
    expect(conn.state).toBe('connected');
  });

  it('network down fails pending requests at once and stays offline; network back reconnects', async () => {
    const { conn, states, counts } = setup(gw.url, { value: 'good' });
    opened.push(conn);
    conn.open();
    await until(() => conn.connected);
    const pending = conn.request('silent', {}, 10_000);
    conn.setNetworkAvailable(false);
    await expect(pending).rejects.toMatchObject({ code: 'network' });
    expect(conn.state).toBe('offline');
    conn.open(); // an app calling open while offline changes nothing
    expect(conn.connected).toBe(false);
    conn.setNetworkAvailable(true);
    await until(() => counts().connects === 2);
    expect(states.map((s) => s.state).slice(-3)).toEqual(['offline', 'connecting', 'connected']);
  });

  it('a gateway URL with a path (behind a proxy) puts /socket.io under it', async () => {
    const proxied = await fakeGateway('/gw/socket.io');
    try {
      const { conn } = setup(`${proxied.url}/gw`, { value: 'good' });
      opened.push(conn);
      conn.open();
      await until(() => conn.connected);
      await expect(conn.request('echo', 1, 1000)).resolves.toMatchObject({ ok: true });
    } finally {
      await proxied.close();
    }
  });

  it('keeps growing the backoff across connections that drop at once, and resets it after one stays up', async () => {
    let drops = 3;
    gw.io.on('connection', (s) => {
      if (drops > 0) {
        drops--;
        s.disconnect(true);
      }
    });
    // random() = 0: every wait is 0 ms (full jitter's lower end), so the test needs no clock.
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    const { conn, counts } = setup(gw.url, { value: 'good' }, { backoff, stableAfterMs: 300 });
    opened.push(conn);
    conn.open();
    await until(() => counts().connects === 4 && conn.connected);
    // Three connections dropped right after `connect`: none of them reset it.
    expect(backoff.attempts).toBe(3);
    expect(backoff.ceilingMs).toBe(800);
    await until(() => backoff.attempts === 0);
    expect(conn.connected).toBe(true);
  });

  it('retries a connect the server refuses for load (`rate_limited`) with a growing backoff, not as unauthorized', async () => {
    const refusals = { left: 2 };
    const busy = await fakeGateway();
    busy.io.use((_socket, next) => (refusals.left-- > 0 ? next(new Error('rate_limited')) : next()));
    try {
      const backoff = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
      const { conn, states, counts } = setup(busy.url, { value: 'good' }, { backoff, stableAfterMs: 60_000 });
      opened.push(conn);
      conn.open();
      await until(() => conn.connected);
      expect(counts()).toEqual({ connects: 1, unauthorized: 0 });
      expect(backoff.attempts).toBe(2);
      expect(states.filter((e) => e.state === 'disconnected').map((e) => e.reason)).toEqual([
        'rate_limited',
        'rate_limited',
      ]);
    } finally {
      await busy.close();
    }
  });
});
