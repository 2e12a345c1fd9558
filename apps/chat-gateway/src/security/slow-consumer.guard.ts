import type { Socket } from 'socket.io';

/** The parts of Engine.IO's socket the guard reads (not in socket.io's public types). */
interface EngineSocket {
  writeBuffer: { data?: string | Buffer | ArrayBuffer }[];
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): void;
  on(event: 'flush', listener: () => void): void;
  close(discard?: boolean): void;
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/**
 * Drops a socket whose outgoing data piles up past `maxBytes`: a client that stops reading
 * (or a link slower than the fan-out) would otherwise grow the gateway's memory without bound,
 * since Engine.IO and the TCP socket buffer whatever is written. Counted on every packet:
 * what waits in Engine.IO's buffer plus what its WebSocket has not handed to the kernel yet.
 * The drop discards the buffer at once; nothing is lost, the messages are in the store and
 * the client is replayed from its delivered watermark when it reconnects.
 */
export function guardSlowConsumer(socket: Socket, maxBytes: number, onDrop: (bufferedBytes: number) => void): void {
  const engine = socket.conn as unknown as EngineSocket;
  let queued = 0;
  let dropped = false;
  engine.on('flush', () => {
    queued = 0;
  });
  engine.on('packetCreate', (packet) => {
    if (dropped) return;
    queued += sizeOf(packet.data);
    const buffered = queued + (engine.transport.socket?.bufferedAmount ?? 0);
    if (buffered <= maxBytes) return;
    dropped = true;
    onDrop(buffered);
    const raw = engine.transport.socket;
    // close(true) discards the buffer (a plain disconnect would wait for it to drain, forever).
    engine.close(true);
    raw?.terminate?.();
  });
}
