import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { isObservable, type Observable } from 'rxjs';
import type { Server, ServerOptions } from 'socket.io';
import type { GatewayConfig } from '../config/gateway.config';

/** The Socket.IO socket type of Nest's adapter (it brings its own copy of socket.io). */
type IoSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];

/**
 * Socket.IO server options from config (Nest's decorator options are static), and a
 * lean per-socket footprint: an idle connection costs what Socket.IO itself needs plus
 * the gateway's own state, which is what bounds how many users one process holds.
 */
export class GatewayIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: GatewayConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.edge.corsOrigins;
    return super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      transports: ['polling', 'websocket'],
      maxHttpBufferSize: this.config.limits.maxPayloadBytes,
      // Compression costs CPU and ~300 KB of zlib state per busy socket; chat packets are small.
      perMessageDeflate: false,
      httpCompression: false,
      pingInterval: this.config.socket.pingIntervalMs,
      pingTimeout: this.config.socket.pingTimeoutMs,
      connectTimeout: 10_000,
      cors: { origin: origins },
      // A browser sends its page's Origin: only the allow-listed ones connect. Native apps send none.
      allowRequest: (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => {
        const origin = req.headers.origin;
        callback(null, !origin || origins.includes(origin));
      },
    }) as Server;
  }

  /**
   * After the gateway has handled a connection, drop what Socket.IO keeps of the
   * handshake for the socket's whole life: the HTTP upgrade request (an IncomingMessage
   * with its raw headers) and the header map copied into `socket.handshake`. The gateway
   * read all it needs (the token in `handshake.auth`) in its middleware.
   */
  override bindClientConnect(
    server: { on(event: 'connection', listener: (socket: IoSocket) => void): unknown },
    callback: (socket: IoSocket) => void,
  ): void {
    server.on('connection', (socket: IoSocket) => {
      callback(socket);
      (socket.conn as unknown as { request?: unknown }).request = undefined;
      (socket.handshake as { headers: unknown }).headers = {};
    });
  }

  /**
   * Nest's IoAdapter builds an rxjs pipeline (fromEvent, mergeMap, takeUntil and their
   * subscribers and closures) per handler per socket: ~20 KB of heap for every idle
   * connection. A plain listener per handler does the same job: the handler's answer
   * goes to the ack (or is emitted when it names an event), never to a closed socket.
   */
  override bindMessageHandlers(
    socket: IoSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        // As rxjs' fromEvent passes it: one argument as is, several as an array.
        const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args);
        const respond = (response: unknown): void => {
          if (response === null || response === undefined || !socket.connected) return;
          const { event, data: eventData } = response as { event?: string; data?: unknown };
          if (event) socket.emit(event, eventData);
          else if (!isAckHandledManually && typeof ack === 'function') (ack as (r: unknown) => void)(response);
        };
        const result: unknown = callback(data, ack);
        // Nest's handler wrapper is async and turns errors into `exception` events itself.
        if (result instanceof Promise) {
          result.then(
            (r: unknown) => (isObservable(r) ? r.subscribe(respond) : respond(r)),
            () => undefined,
          );
        } else {
          transform(result).subscribe({ next: respond, error: () => undefined });
        }
      });
    }
  }
}
