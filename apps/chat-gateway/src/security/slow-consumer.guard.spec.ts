import { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io';
import { SlowConsumerGuard } from './slow-consumer.guard';

/** Engine.IO's socket as the guard sees it: packets are created, flushed to the transport, or not. */
class FakeEngine extends EventEmitter {
  writeBuffer: { data?: string }[] = [];
  transport = {
    name: 'websocket',
    socket: {
      bufferedAmount: 0,
      terminated: false,
      terminate() {
        this.terminated = true;
      },
    },
  };
  closedWith?: boolean;
  send(data: string): void {
    const packet = { data };
    this.emit('packetCreate', packet);
    if (this.closedWith === undefined) this.writeBuffer.push(packet);
  }
  flush(): void {
    this.emit('flush');
    for (const p of this.writeBuffer) this.transport.socket.bufferedAmount += p.data?.length ?? 0;
    this.writeBuffer = [];
  }
  close(discard?: boolean): void {
    this.closedWith = discard;
  }
}

describe('SlowConsumerGuard', () => {
  const attach = (maxBytes: number) => {
    const engine = new FakeEngine();
    const drops: number[] = [];
    const socket = { conn: engine } as unknown as Socket;
    new SlowConsumerGuard(maxBytes, (dropped, b) => {
      expect(dropped).toBe(socket);
      drops.push(b);
    }).watch(socket);
    return { engine, drops };
  };

  it('leaves a reader alone: what it drains is not counted', () => {
    const { engine, drops } = attach(10_000);
    for (let i = 0; i < 1000; i++) {
      engine.send('x'.repeat(100));
      engine.flush();
      engine.transport.socket.bufferedAmount = 0; // the kernel took it
    }
    expect(drops).toEqual([]);
    expect(engine.closedWith).toBeUndefined();
  });

  it('drops a socket whose buffers pass the bound, discarding them, once', () => {
    const { engine, drops } = attach(10_000);
    for (let i = 0; i < 50; i++) engine.send('x'.repeat(100));
    engine.flush(); // 5,000 bytes now wait in the WebSocket
    for (let i = 0; i < 60; i++) engine.send('x'.repeat(100));
    expect(drops).toHaveLength(1);
    expect(drops[0]).toBeGreaterThan(10_000);
    expect(drops[0]).toBeLessThanOrEqual(10_100);
    expect(engine.closedWith).toBe(true);
    expect(engine.transport.socket.terminated).toBe(true);
  });
});
