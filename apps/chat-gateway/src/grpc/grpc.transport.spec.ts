import { EventEmitter } from 'node:events';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { ServerEvents, type Message } from '@parley/contracts';
import type { ServerFrame } from '@parley/contracts/grpc';
import { testMessage } from '../testing/test-message';
import { admissionStatus, bearerToken, parseSinceMetadata } from './chat-stream.handler';
import { GrpcTransport, type ConnectCall } from './grpc.transport';

/** A Connect call as the transport uses it: what is written, and the status it was ended with. */
class FakeCall extends EventEmitter {
  cancelled = false;
  readonly written: ServerFrame[] = [];
  status?: { code: number; details: string };
  endedOk = false;
  /** What write() answers: false once HTTP/2 flow control holds the frames back. */
  accepting = true;

  constructor() {
    super();
    // grpc-js turns an 'error' into the call's status.
    this.on('error', (s: { code: number; details: string }) => (this.status = s));
  }

  write(frame: ServerFrame): boolean {
    this.written.push(frame);
    return this.accepting;
  }

  end(): void {
    this.endedOk = true;
  }
}

const message = (seq: number, body = 'x'): Message => testMessage('c', seq, { body });

const make = (maxBufferedBytes = 1000) => {
  const call = new FakeCall();
  const drops: number[] = [];
  const transport = new GrpcTransport(call as unknown as ConnectCall, {
    maxBufferedBytes,
    sizeOf: (frame) => JSON.stringify(frame).length,
    onSlowConsumer: (bytes) => drops.push(bytes),
  });
  return { call, transport, drops };
};

describe('GrpcTransport', () => {
  it('writes each server event as its frame, with its eventSeq', () => {
    const { call, transport } = make();
    transport.emit(ServerEvents.MessageNew, message(1), { eventSeq: 4 });
    transport.emit(ServerEvents.Typing, { chatId: 'c', userId: 'u', isTyping: true });
    expect(call.written.map((f) => [f.eventSeq, Object.keys(f).filter((k) => k !== 'eventSeq')[0]])).toEqual([
      [4, 'messageNew'],
      [undefined, 'typing'],
    ]);
  });

  it('says with call statuses what Socket.IO says with events: unauthorized, replay failed, shutdown', () => {
    const expired = make();
    let closed = 0;
    expired.transport.onClose(() => closed++);
    expired.transport.close({ code: 'unauthorized', message: 'access token expired' });
    expect([expired.call.status, expired.transport.connected, closed]).toEqual([
      { code: GrpcStatus.UNAUTHENTICATED, details: 'access token expired' },
      false,
      1,
    ]);
    // Nothing is written to an ended call.
    expired.transport.emit(ServerEvents.MessageNew, message(1));
    expect(expired.call.written).toEqual([]);

    const replay = make();
    replay.transport.emit(ServerEvents.ReplayFailed, { code: 'unavailable', message: 'replay interrupted' });
    expect(replay.call.status).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'replay interrupted' });

    const shutdown = make();
    shutdown.transport.close({ code: 'unavailable', message: 'gateway shutting down' });
    expect(shutdown.call.status?.code).toBe(GrpcStatus.UNAVAILABLE);
  });

  it('a client that stops reading is dropped once the frames held back pass the bound; a drain resets the count', () => {
    const { call, transport, drops } = make(1000);
    const frameBytes = JSON.stringify({ messageNew: { ...message(1, 'y'.repeat(200)), replyToSeq: undefined } }).length;
    call.accepting = false;
    transport.emit(ServerEvents.MessageNew, message(1, 'y'.repeat(200)));
    transport.emit(ServerEvents.MessageNew, message(2, 'y'.repeat(200)));
    // The client read: flow control lets the frames go.
    call.accepting = true;
    call.emit('drain');
    for (let seq = 3; seq < 10; seq++) transport.emit(ServerEvents.MessageNew, message(seq, 'y'.repeat(200)));
    expect([drops, transport.connected]).toEqual([[], true]);
    call.accepting = false;
    for (let seq = 10; seq < 20 && transport.connected; seq++)
      transport.emit(ServerEvents.MessageNew, message(seq, 'y'.repeat(200)));
    expect(drops).toHaveLength(1);
    expect(drops[0]).toBeGreaterThan(1000);
    expect(drops[0]).toBeLessThanOrEqual(1000 + frameBytes + 10);
    expect([transport.connected, call.status?.code]).toEqual([false, GrpcStatus.RESOURCE_EXHAUSTED]);
  });

  it('writable() waits for a drain while frames are held back, and not otherwise', async () => {
    const { call, transport } = make(1_000_000);
    await transport.writable(60_000);
    call.accepting = false;
    transport.emit(ServerEvents.MessageNew, message(1));
    let resolved = false;
    const waiting = transport.writable(60_000).then(() => (resolved = true));
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    call.emit('drain');
    await waiting;
    expect(resolved).toBe(true);
  });

  it('a client that goes away (cancel) closes the connection once', () => {
    const { call, transport } = make();
    let closed = 0;
    transport.onClose(() => closed++);
    call.cancelled = true;
    call.emit('cancelled');
    call.emit('close');
    expect([transport.connected, closed]).toEqual([false, 1]);
  });
});

describe('Connect metadata', () => {
  const md = (entries: [string, string][]) => {
    const m = new Metadata();
    for (const [k, v] of entries) m.add(k, v);
    return m;
  };

  it('authorization: Bearer <token> only', () => {
    expect(bearerToken(md([['authorization', 'Bearer abc.def.ghi']]))).toBe('abc.def.ghi');
    expect(bearerToken(md([['authorization', 'bearer abc']]))).toBe('abc');
    expect(bearerToken(md([['authorization', 'Basic abc']]))).toBeUndefined();
    expect(bearerToken(md([]))).toBeUndefined();
  });

  it('parley-since: absent is v1, decimal digits of a safe integer, anything else invalid', () => {
    expect(parseSinceMetadata(md([]))).toBeUndefined();
    expect(parseSinceMetadata(md([['parley-since', '0']]))).toBe(0);
    expect(parseSinceMetadata(md([['parley-since', '42']]))).toBe(42);
    for (const bad of ['', '-1', '1.5', 'abc', ' 1', '1e3', '99999999999999999'])
      expect([bad, parseSinceMetadata(md([['parley-since', bad]]))]).toEqual([bad, 'invalid']);
    expect(
      parseSinceMetadata(
        md([
          ['parley-since', '1'],
          ['parley-since', '2'],
        ]),
      ),
    ).toBe('invalid');
  });

  it('a refused connection ends with the status of its error code', () => {
    expect(admissionStatus('unauthorized')).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(admissionStatus('invalid')).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(admissionStatus('rate_limited')).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(admissionStatus(undefined)).toBe(GrpcStatus.UNAVAILABLE);
  });
});
