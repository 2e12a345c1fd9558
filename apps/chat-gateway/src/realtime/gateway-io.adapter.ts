import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import type { GatewayConfig } from '../config/gateway.config';

/** The Socket.IO socket type of Nest's adapter (it brings its own copy of socket.io). */
type IoSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];

/** What a trimmed handshake field holds instead (one object for every socket). */
const NOTHING = Object.freeze({});

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
    const server = super.createIOServer(port, {
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
    forgetUpgradeRequests(server);
    return server;
  }

  /**
   * After the gateway has handled a connection, drop what Socket.IO keeps of the
   * handshake for the socket's whole life: the HTTP upgrade request (an IncomingMessage
   * with its raw headers), and in `socket.handshake` the header map, the query, the URL,
   * the time and the auth payload (the access token, ~0.5 KB). The gateway read all it
   * needs (the token and `since` in `handshake.auth`) in its middleware.
   */
  override bindClientConnect(
    server: { on(event: 'connection', listener: (socket: IoSocket) => void): unknown },
    callback: (socket: IoSocket) => void,
  ): void {
    server.on('connection', (socket: IoSocket) => {
      callback(socket);
      (socket.conn as unknown as { request?: unknown }).request = undefined;
      Object.assign(socket.handshake, { headers: NOTHING, query: NOTHING, auth: NOTHING, url: '', time: '' });
    });
  }

  /**
   * Nothing per socket: ChatGateway takes client events through one listener shared by every
   * socket, not @SubscribeMessage (Nest's default binding keeps rxjs observables per socket
   * even with no handler). A handler declared anyway would never run: say so at once.
   */
  override bindMessageHandlers(_socket: IoSocket, handlers: MessageMappingProperties[]): void {
    if (handlers.length > 0)
      throw new Error('GatewayIoAdapter binds no @SubscribeMessage handler: ChatGateway dispatches client events');
  }

  /**
   * Nothing per socket: ChatGateway listens for its sockets' disconnects itself, with one
   * listener shared by all of them (Nest's hook is a closure per socket). A gateway here
   * implements no OnGatewayDisconnect.
   */
  override bindClientDisconnect(): void {
    // see above
  }
}

/**
 * Engine.IO answers a WebSocket upgrade through a stand-in response that holds the upgrade
 * request for the socket's whole life (it listens for the socket's "close"), though only the
 * middlewares use it. This one runs after the others (CORS): once they are done the stand-in
 * lets go of the request, which then goes (~1 KB with its headers) once the socket is open.
 */
function forgetUpgradeRequests(server: Server): void {
  const engine = server.engine as {
    use(middleware: (req: IncomingMessage, res: object, next: (err?: Error) => void) => void): void;
  };
  engine.use((_req, res, next) => {
    next();
    if (!(res instanceof ServerResponse)) (res as { req?: unknown }).req = undefined;
  });
}
