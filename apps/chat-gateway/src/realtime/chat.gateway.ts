import { Inject, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import { ClientEvents, type Ack, type ClientEventName } from '@parley/contracts';
import { toParleyError } from '@parley/shared/util-service';
import type { AccessTokenClaims } from '@parley/shared/util-auth';
import type { Server, Socket } from 'socket.io';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { SecurityMetrics } from '../security/security.metrics';
import { SlowConsumerGuard } from '../security/slow-consumer.guard';
import type { ClientConnection } from '../connections/client-connection';
import { ClientEventsService } from './client-events.service';
import { ConnectionLifecycle, type Since } from './connection-lifecycle.service';
import { ConnectionRegistry } from '../connections/connection-registry';
import { SocketIoTransport } from './socket-io.transport';

interface SocketData {
  claims?: AccessTokenClaims;
  connection?: ClientConnection;
  /** auth.since: resume the event stream after it (undefined: v1 replay). */
  since?: number;
}

/** The events a client sends (docs/protocol.md); any other is ignored, as Socket.IO ignores an event nobody listens to. */
const CLIENT_EVENTS: ReadonlySet<string> = new Set(Object.values(ClientEvents));

/** auth.since: absent or null is v1; else an integer >= 0 (a numeric string is not). */
function parseSince(auth: Record<string, unknown> | undefined): Since {
  const since = auth?.['since'];
  if (since === undefined || since === null) return undefined;
  return typeof since === 'number' && Number.isSafeInteger(since) && since >= 0 ? since : 'invalid';
}

/**
 * Socket.IO side of docs/protocol.md: the handshake goes through ConnectionLifecycle, every
 * event through ClientEventsService (both shared with the gRPC edge). What is Socket.IO's own
 * stays here: connect_error codes, the slow-consumer guard on Engine.IO's buffer, shutdown.
 *
 * Client events and disconnects reach it through two listeners made once and shared by every
 * socket (Socket.IO calls them with the socket as `this`), not through @SubscribeMessage and
 * OnGatewayDisconnect: Nest binds those per socket, a bound function and a closure for each
 * event (~1.7 KB of heap for every idle connection).
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatGateway.name);
  @WebSocketServer() server: Server;
  private readonly onClientEvent: (this: Socket, event: string, ...args: unknown[]) => void;
  private readonly onDisconnect: (this: Socket, reason: string, description?: unknown) => void;
  private readonly slowConsumers: SlowConsumerGuard;

  constructor(
    private readonly lifecycle: ConnectionLifecycle,
    private readonly clientEvents: ClientEventsService,
    private readonly registry: ConnectionRegistry,
    private readonly securityMetrics: SecurityMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.onClientEvent = socketListener((socket, event: string, ...args: unknown[]) =>
      this.answer(socket, event, args),
    );
    this.onDisconnect = socketListener((socket, reason: string, description?: unknown) =>
      this.closed(socket, reason, description),
    );
    this.slowConsumers = new SlowConsumerGuard(config.security.slowConsumerMaxBufferBytes, (socket, bufferedBytes) => {
      this.securityMetrics.slowConsumersDropped.inc();
      this.logger.warn(
        { userId: (socket.data as SocketData).claims?.userId, socketId: socket.id, bufferedBytes },
        'slow consumer dropped: its messages wait in the store',
      );
    });
  }

  afterInit(server: Server): void {
    server.use((socket, next) => {
      const auth = socket.handshake.auth as Record<string, unknown> | undefined;
      this.lifecycle.admit(auth?.['token'], parseSince(auth), socket.id).then(
        (claims) => {
          const data = socket.data as SocketData;
          data.claims = claims;
          data.since = parseSince(auth) as number | undefined;
          next();
        },
        // connect_error's message is the error code (docs/protocol.md).
        (err: unknown) => next(new Error(toParleyError(err)?.code ?? 'unauthorized')),
      );
    });
  }

  handleConnection(socket: Socket): void {
    const { claims, since } = socket.data as SocketData;
    if (!claims) {
      socket.disconnect(true);
      return;
    }
    // Socket.IO keeps the handshake request for its life; we have what we need from it.
    (socket.request as { res?: unknown }).res = undefined;
    const conn = this.lifecycle.open(new SocketIoTransport(socket), claims, since);
    if (!conn) return;
    (socket.data as SocketData).connection = conn;
    socket.on('disconnect', this.onDisconnect);
    socket.onAny(this.onClientEvent);
    this.slowConsumers.watch(socket);
  }

  /** A client event: handled by ClientEventsService, its answer sent to the ack while the socket is there. */
  private answer(socket: Socket, event: string, args: unknown[]): void {
    if (!CLIENT_EVENTS.has(event)) return;
    const { data, ack } = splitAck(args);
    const conn = (socket.data as SocketData).connection;
    this.clientEvents.handle(conn, event as ClientEventName, data).then(
      (answer: Ack) => {
        if (ack && socket.connected) ack(answer);
      },
      () => undefined,
    );
  }

  private closed(socket: Socket, reason: string, description: unknown): void {
    const conn = (socket.data as SocketData).connection;
    this.logger.debug(
      { userId: conn?.userId, socketId: socket.id, reason, detail: describeClose(description) },
      'socket closed',
    );
    if (conn) this.lifecycle.closed(conn);
  }

  /** SIGTERM: stop accepting, tell clients to reconnect elsewhere, give them a moment. */
  async beforeApplicationShutdown(): Promise<void> {
    const sockets = this.registry.all().filter((c) => c.transport instanceof SocketIoTransport);
    this.server?.engine?.close?.();
    for (const conn of sockets) conn.transport.close({ code: 'unavailable', message: 'gateway shutting down' });
    if (sockets.length > 0) await new Promise((r) => setTimeout(r, Math.min(500, this.config.socket.shutdownDrainMs)));
  }
}

/** Why Engine.IO closed a socket (an Error, or an object with a message), for the debug log. */
function describeClose(description: unknown): string | undefined {
  if (!description) return undefined;
  if (description instanceof Error) return description.message;
  const d = description as { message?: unknown; description?: unknown };
  if (typeof d.message === 'string') return d.message;
  if (d.description instanceof Error) return d.description.message;
  return undefined;
}

/** A listener Socket.IO calls with the socket as `this`: made once, shared by every socket. */
function socketListener<A extends unknown[]>(
  handle: (socket: Socket, ...args: A) => void,
): (this: Socket, ...args: A) => void {
  return function (this: Socket, ...args: A) {
    handle(this, ...args);
  };
}

/**
 * An event's arguments as Nest's Socket.IO adapter hands them to a handler: a trailing function
 * is the ack; one argument left is the payload itself, several are an array.
 */
function splitAck(args: unknown[]): { data: unknown; ack?: (answer: Ack) => void } {
  const last = args[args.length - 1];
  if (typeof last !== 'function') return { data: args.length === 1 ? args[0] : args };
  const rest = args.length - 1;
  return {
    data: rest === 0 ? undefined : rest === 1 ? args[0] : args.slice(0, rest),
    ack: last as (answer: Ack) => void,
  };
}
