import { spawn, type ChildProcess } from 'node:child_process';
import { ParleyError, event, rpc } from '@parley/contracts';
import { NatsBus } from './nats-bus';

const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const suffix = `${process.pid}.${Date.now()}`;

describe('NatsBus (real NATS)', () => {
  let bus: NatsBus;
  beforeAll(async () => {
    bus = await NatsBus.connect({ url, name: 'nats-bus-test', requestTimeoutMs: 500 });
  });
  afterAll(async () => {
    await bus.drain();
  });

  it('answers unavailable at once when nobody listens', async () => {
    const nobody = rpc<{ x: number }, { y: number }>(`test.nobody.${suffix}`, 'message-store');
    const started = Date.now();
    await expect(bus.request(nobody, { x: 1 })).rejects.toMatchObject({ code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('round-trips a Nest-format reply and maps handler errors to ParleyError', async () => {
    const double = rpc<{ x: number }, { y: number }>(`test.double.${suffix}`, 'message-store');
    const sub = bus.connection.subscribe(double.subject);
    void (async () => {
      for await (const m of sub) {
        const packet = JSON.parse(new TextDecoder().decode(m.data)) as { id: string; data: { x: number } };
        const reply =
          packet.data.x < 0
            ? { id: packet.id, err: { code: 'invalid', message: 'x must be positive' }, isDisposed: true }
            : { id: packet.id, response: { y: packet.data.x * 2 }, isDisposed: true };
        m.respond(new TextEncoder().encode(JSON.stringify(reply)));
      }
    })();
    await expect(bus.request(double, { x: 21 })).resolves.toEqual({ y: 42 });
    const err = await bus.request(double, { x: -1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err).toMatchObject({ code: 'invalid', message: 'x must be positive' });
    sub.unsubscribe();
  });

  it('delivers published events to subscribers', async () => {
    const ping = event<{ n: number }>(`test.ping.${suffix}`);
    const got: number[] = [];
    const done = new Promise<void>((resolve) => {
      bus.subscribe(ping, (p) => {
        got.push(p.n);
        if (got.length === 3) resolve();
      });
    });
    await bus.flush();
    bus.publish(ping, { n: 1 });
    bus.publish(ping, { n: 2 });
    bus.publish(ping, { n: 3 });
    await done;
    expect(got).toEqual([1, 2, 3]);
  });

  it("refuses an event over NATS's max_payload without throwing, and keeps publishing", async () => {
    const big = event<{ blob: string }>(`test.big.${suffix}`);
    const ping = event<{ n: number }>(`test.after-big.${suffix}`);
    const got = new Promise<number>((resolve) => bus.subscribe(ping, (p) => resolve(p.n)));
    await bus.flush();
    expect(bus.publish(big, { blob: 'x'.repeat(2 * 1024 * 1024) })).toBe(false);
    expect(bus.publish(ping, { n: 7 })).toBe(true);
    expect(await got).toBe(7);
  });
});

/**
 * A nats-server of this test's own (anonymous, on a port it picks), so it can be killed while
 * requests wait: nats.js would let them wait out their whole timeout.
 */
describe('NatsBus when the connection drops (own nats-server)', () => {
  let server: ChildProcess;
  let bus: NatsBus;

  beforeAll(async () => {
    server = spawn(process.env['NATS_SERVER_BIN'] ?? 'nats-server', ['-a', '127.0.0.1', '-p', '-1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const port = await new Promise<string>((resolve, reject) => {
      let log = '';
      server.once('error', reject);
      server.once('exit', () => reject(new Error(`nats-server exited at start:\n${log}`)));
      server.stderr?.on('data', (d: Buffer) => {
        log += d.toString();
        const listening = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
        if (listening) resolve(listening[1]);
      });
    });
    // A timeout no test waits out: only the disconnect can end the requests below.
    bus = await NatsBus.connect({
      url: `nats://127.0.0.1:${port}`,
      name: 'nats-bus-drop-test',
      requestTimeoutMs: 600_000,
    });
  });
  afterAll(async () => {
    server.kill('SIGKILL');
    await bus.connection.close();
  });

  it('answers requests in flight (request and pipeline alike) unavailable as soon as nats.js reports the disconnect', async () => {
    const silent = rpc<{ x: number }, { y: number }>(`test.silent.${suffix}`, 'presence');
    const received: number[] = [];
    const bothArrived = new Promise<void>((resolve) =>
      bus.connection.subscribe(silent.subject, {
        callback: () => received.push(1) === 2 && resolve(), // never answered
      }),
    );
    await bus.flush();
    const disconnected = new Promise<void>((resolve) => bus.watchStatus((s) => s === 'disconnect' && resolve()));
    const outcomes = [bus.request(silent, { x: 1 }), bus.pipeline(silent, { maxInFlight: 10 }).request({ x: 2 })].map(
      (p) => p.catch((e: unknown) => e),
    );
    await bothArrived;
    server.kill('SIGKILL');
    await disconnected;
    const lost = 'presence unreachable: the NATS connection was lost; retry';
    for (const err of await Promise.all(outcomes)) {
      expect(err).toBeInstanceOf(ParleyError);
      expect(err).toMatchObject({ code: 'unavailable', message: lost });
    }
  });
});
