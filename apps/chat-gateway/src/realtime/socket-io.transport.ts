import { ServerEvents } from '@parley/contracts';
import type { Socket } from 'socket.io';
import type { ConnectionTransport, ServerEventArgs } from '../connections/connection-transport';

const WRITE_BUFFER_HIGH_WATER = 256;

/** A Socket.IO socket as a ConnectionTransport (events keep their docs/protocol.md names). */
export class SocketIoTransport implements ConnectionTransport {
  constructor(private readonly socket: Socket) {}

  get id(): string {
    return this.socket.id;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  emit(...[event, ...args]: ServerEventArgs): void {
    // An absent meta is no argument at all (Socket.IO would send it as null).
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    (this.socket.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }

  close(reason: Parameters<ConnectionTransport['close']>[0]): void {
    // Shutdown: the disconnect itself says "reconnect" (the SDK does); no error event.
    if (reason.code === 'unauthorized') this.socket.emit(ServerEvents.Error, reason);
    this.socket.disconnect(true);
  }

  async writable(timeoutMs: number): Promise<void> {
    const engine = this.socket.conn as unknown as {
      writeBuffer?: unknown[];
      once(e: string, f: () => void): void;
    };
    if (!engine.writeBuffer || engine.writeBuffer.length < WRITE_BUFFER_HIGH_WATER) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      engine.once('drain', done);
      this.socket.once('disconnect', done);
    });
  }

  onClose(listener: () => void): () => void {
    this.socket.once('disconnect', listener);
    return () => this.socket.off('disconnect', listener);
  }
}
