import type { Socket as NetSocket } from 'node:net';
import WebSocket from 'ws';

/**
 * A Socket.IO client spoken by hand over a raw WebSocket (Engine.IO v4), so that it can stop
 * reading its TCP socket: the kernel buffers fill, then the server's. A real phone on a dead
 * network link behaves the same way.
 */
export class SlowConsumer {
  bytesRead = 0;
  private closed = false;
  private closeWaiters: (() => void)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters.splice(0)) w();
    });
    ws.on('error', () => undefined);
  }

  static connect(baseUrl: string, token: string, timeoutMs = 10_000): Promise<SlowConsumer> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(url);
    const client = new SlowConsumer(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('slow consumer: no socket.io connect')), timeoutMs);
      ws.on('message', (data: WebSocket.RawData) => {
        const text = data.toString();
        client.bytesRead += text.length;
        if (text.startsWith('0')) ws.send(`40${JSON.stringify({ token })}`);
        else if (text === '2') ws.send('3');
        else if (text.startsWith('40')) {
          clearTimeout(timer);
          resolve(client);
        } else if (text.startsWith('44')) {
          clearTimeout(timer);
          reject(new Error(`slow consumer refused: ${text}`));
        }
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private get raw(): NetSocket {
    return (this.ws as unknown as { _socket: NetSocket })._socket;
  }

  /** Stops reading the TCP socket (nothing is answered either: no pongs). */
  stopReading(): void {
    this.raw.pause();
  }

  /** Reads again, and resolves true once the server has closed the connection (false on timeout). */
  async resumeAndWaitClosed(timeoutMs: number): Promise<boolean> {
    this.raw.resume();
    if (this.closed) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
