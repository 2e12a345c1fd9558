import { Inject, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { ClientEvents, type Ack, type ClientEventName } from '@parley/contracts';
import { toParleyError } from '@parley/shared/util-service';
import type { AccessTokenClaims } from '@parley/shared/util-auth';
import type { Server, Socket } from 'socket.io';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { SecurityMetrics } from '../security/security.metrics';
import { guardSlowConsumer } from '../security/slow-consumer.guard';
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
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatGateway.name);
  @WebSocketServer() server: Server;

  constructor(
    private readonly lifecycle: ConnectionLifecycle,
    private readonly clientEvents: ClientEventsService,
    private readonly registry: ConnectionRegistry,
    private readonly securityMetrics: SecurityMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

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
    socket.once('disconnect', (reason: string, description?: unknown) =>
      this.logger.debug(
        { userId: claims.userId, socketId: socket.id, reason, detail: describeClose(description) },
        'socket closed',
      ),
    );
    guardSlowConsumer(socket, this.config.security.slowConsumerMaxBufferBytes, (bufferedBytes) => {
      this.securityMetrics.slowConsumersDropped.inc();
      this.logger.warn(
        { userId: claims.userId, socketId: socket.id, bufferedBytes },
        'slow consumer dropped: its messages wait in the store',
      );
    });
  }

  handleDisconnect(socket: Socket): void {
    const conn = (socket.data as SocketData).connection;
    if (conn) this.lifecycle.closed(conn);
  }

  @SubscribeMessage(ClientEvents.MessageSend)
  onSend(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, ClientEvents.MessageSend, payload);
  }

  @SubscribeMessage(ClientEvents.MessageEdit)
  onEdit(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, ClientEvents.MessageEdit, payload);
  }

  @SubscribeMessage(ClientEvents.MessageDelete)
  onDelete(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, ClientEvents.MessageDelete, payload);
  }

  @SubscribeMessage(ClientEvents.MessageReact)
  onReact(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, ClientEvents.MessageReact, payload);
  }

  @SubscribeMessage(ClientEvents.MessageDelivered)
  onDelivered(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, ClientEvents.MessageDelivered, payload);
  }

  @SubscribeMessage(ClientEvents.MessageRead)
  onRead(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, ClientEvents.MessageRead, payload);
  }

  @SubscribeMessage(ClientEvents.Typing)
  onTyping(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, ClientEvents.Typing, payload);
  }

  @SubscribeMessage(ClientEvents.PresenceSubscribe)
  onPresenceSubscribe(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, ClientEvents.PresenceSubscribe, payload);
  }

  private answer(socket: Socket, event: ClientEventName, payload: unknown): Promise<Ack> {
    return this.clientEvents.handle((socket.data as SocketData).connection, event, payload);
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
