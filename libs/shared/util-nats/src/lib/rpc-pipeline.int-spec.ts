import { randomUUID } from 'node:crypto';
import { ParleyError, rpc } from '@parley/contracts';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { RpcPipeline } from './rpc-pipeline';

const url = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const codec = JSONCodec<unknown>();
const Double = rpc<{ x: number }, { y: number }>('test.double.v1', 'message-store');

/** RpcPipeline against a real NATS server, answered in Nest's wire format like a @MessagePattern handler. */
describe('RpcPipeline (real NATS)', () => {
  let nc: NatsConnection;
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const seen: number[] = [];
  let delayMs = 0;

  beforeAll(async () => {
    nc = await connect({ servers: url });
    nc.subscribe(`${prefix}${Double.subject}`, {
      callback: (_err, msg) => {
        const packet = codec.decode(msg.data) as { id: string; pattern: string; data: { x: number } };
        seen.push(packet.data.x);
        const reply =
          packet.data.x < 0
            ? { id: packet.id, err: { code: 'invalid', message: 'x must be positive' }, isDisposed: true }
            : { id: packet.id, response: { y: packet.data.x * 2 }, isDisposed: true };
        setTimeout(() => msg.respond(codec.encode(reply)), delayMs);
      },
    });
    await nc.flush();
  });
  afterAll(async () => {
    await nc?.close();
  });

  const pipeline = (over: Partial<{ timeoutMs: number; maxInFlight: number; subjectPrefix: string }> = {}) =>
    new RpcPipeline(nc, Double, { subjectPrefix: prefix, timeoutMs: 2000, maxInFlight: 100, ...over });

  it('answers each request with its own reply and maps handler errors to ParleyError', async () => {
    const p = pipeline();
    const replies = await Promise.all([1, 2, 3].map((x) => p.request({ x })));
    expect(replies).toEqual([{ y: 2 }, { y: 4 }, { y: 6 }]);
    await expect(p.request({ x: -1 })).rejects.toMatchObject({ code: 'invalid', message: 'x must be positive' });
    p.close();
  });

  it('answers unavailable at once when nobody serves the subject', async () => {
    const p = pipeline({ subjectPrefix: `nobody${randomUUID().slice(0, 8)}.` });
    const started = Date.now();
    const err = await p.request({ x: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(1500);
    p.close();
  });

  it('times out as unavailable, then hands a late reply to onLate', async () => {
    const p = pipeline({ timeoutMs: 150 });
    delayMs = 600;
    const late: unknown[] = [];
    try {
      await expect(p.request({ x: 21 }, (reply) => late.push(reply))).rejects.toMatchObject({ code: 'unavailable' });
      await new Promise((r) => setTimeout(r, 900));
      expect(late).toEqual([{ y: 42 }]);
    } finally {
      delayMs = 0;
      p.close();
    }
  });

  it('fails waiting requests at once when the connection drops (failPending), and still hands their late replies to onLate', async () => {
    const p = pipeline({ timeoutMs: 10_000 });
    delayMs = 400;
    const late: unknown[] = [];
    try {
      const waiting = p.request({ x: 5 }, (reply) => late.push(reply));
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      p.failPending('unreachable: the NATS connection was lost; retry');
      await expect(waiting).rejects.toMatchObject({
        code: 'unavailable',
        message: 'message-store unreachable: the NATS connection was lost; retry',
      });
      expect(Date.now() - started).toBeLessThan(100);
      await new Promise((r) => setTimeout(r, 700));
      expect(late).toEqual([{ y: 10 }]);
    } finally {
      delayMs = 0;
      p.close();
    }
  });

  it('refuses beyond maxInFlight instead of queueing without bound', async () => {
    const p = pipeline({ maxInFlight: 2 });
    const first = [p.request({ x: 1 }), p.request({ x: 2 })];
    await expect(p.request({ x: 3 })).rejects.toMatchObject({ code: 'unavailable' });
    await expect(Promise.all(first)).resolves.toEqual([{ y: 2 }, { y: 4 }]);
    p.close();
  });
});
