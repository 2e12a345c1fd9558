import type { Socket } from 'socket.io';

/** What the guard counts for one socket, kept on its Engine.IO socket. */
interface Watch {
  socket: Socket;
  /** Bytes of the packets created since the last flush (what waits in Engine.IO's buffer). */
  queued: number;
  dropped: boolean;
}

const WATCH = Symbol('slowConsumerWatch');

/** The parts of Engine.IO's socket the guard reads (not in socket.io's public types). */
interface EngineSocket {
  writeBuffer: { data?: string | Buffer | ArrayBuffer }[];
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  on(event: 'packetCreate', listener: (this: EngineSocket, packet: { data?: unknown }) => void): void;
  on(event: 'flush', listener: (this: EngineSocket) => void): void;
  close(discard?: boolean): void;
  [WATCH]?: Watch;
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
 *
 * One guard serves every socket: its two listeners are made once (Engine.IO calls them with
 * the socket as `this`), and a socket costs only its small Watch.
 */
export class SlowConsumerGuard {
  private readonly onFlush: (this: EngineSocket) => void;
  private readonly onPacket: (this: EngineSocket, packet: { data?: unknown }) => void;

  constructor(maxBytes: number, onDrop: (socket: Socket, bufferedBytes: number) => void) {
    this.onFlush = function () {
      const watch = this[WATCH];
      if (watch) watch.queued = 0;
    };
    this.onPacket = function (packet) {
      const watch = this[WATCH];
      if (!watch || watch.dropped) return;
      watch.queued += sizeOf(packet.data);
      const buffered = watch.queued + (this.transport.socket?.bufferedAmount ?? 0);
      if (buffered <= maxBytes) return;
      watch.dropped = true;
      onDrop(watch.socket, buffered);
      const raw = this.transport.socket;
      // close(true) discards the buffer (a plain disconnect would wait for it to drain, forever).
      this.close(true);
      raw?.terminate?.();
    };
  }

  watch(socket: Socket): void {
    const engine = socket.conn as unknown as EngineSocket;
    engine[WATCH] = { socket, queued: 0, dropped: false };
    engine.on('flush', this.onFlush);
    engine.on('packetCreate', this.onPacket);
  }
}
