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
import {
  ClientEvents,
  MessageHistoryV1,
  ParleyError,
  PresenceSubscribePayload,
  ReceiptPayload,
  SendMessagePayload,
  SessionRevokedV1,
  TypingPayload,
  type Ack,
} from '@parley/contracts';
import { AccessTokenVerifier, type AccessTokenClaims } from '@parley/shared/util-auth';
import { NatsBus } from '@parley/shared/util-nats';
import { toParleyError, validatePayload } from '@parley/shared/util-service';
import type { Server, Socket } from 'socket.io';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ReplayService } from '../delivery/replay.service';
import { MessagingService } from '../messaging/messaging.service';
import { PresenceLinkService } from '../presence/presence-link.service';
import { ClientConnection } from './client-connection';
import { ConnectionRegistry } from './connection-registry';

interface SocketData {
  claims?: AccessTokenClaims;
  connection?: ClientConnection;
}

/** Socket.IO side of PROTOCOL.md. Every event is acked; nothing a client sends can crash it. */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatGateway.name);
  @WebSocketServer() server: Server;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly registry: ConnectionRegistry,
    private readonly messaging: MessagingService,
    private readonly replay: ReplayService,
    private readonly presence: PresenceLinkService,
    private readonly bus: NatsBus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  afterInit(server: Server): void {
    server.use((socket, next) => {
      const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.['token'];
      this.verifier
        .verify(token)
        .then((claims) => {
          if (this.registry.connectionCount(claims.userId) >= this.config.limits.maxConnectionsPerUser) {
            return next(new Error('rate_limited'));
          }
          (socket.data as SocketData).claims = claims;
          // Registered before the client sees `connect`, so a client that connects a second
          // device and closes the first is never shown offline in between.
          return this.presence.connected({ userId: claims.userId, id: socket.id }).then(() => next());
        })
        .catch(() => next(new Error('unauthorized')));
    });
    this.bus.subscribe(SessionRevokedV1, ({ userId, sessionId }) => {
      for (const conn of [...this.registry.connectionsOf(userId)]) {
        if (!sessionId || conn.claims.sessionId === sessionId) this.closeUnauthorized(conn, 'session revoked');
      }
    });
  }

  handleConnection(socket: Socket): void {
    const claims = (socket.data as SocketData).claims;
    if (!claims) {
      socket.disconnect(true);
      return;
    }
    // Socket.IO keeps the handshake request for its life; we have what we need from it.
    (socket.request as { res?: unknown }).res = undefined;
    const conn = new ClientConnection(
      socket,
      claims,
      {
        fetchAfter: async (chatId, afterSeq, limit) =>
          (await this.bus.request(MessageHistoryV1, { chatId, userId: claims.userId, after: afterSeq, limit })).messages,
        gapFillDelayMs: this.config.delivery.gapFillDelayMs,
        onError: (err) => this.logger.warn({ err: (err as Error).message }, 'gap fill failed'),
      },
      this.config.limits.typingPerSecond,
    );
    (socket.data as SocketData).connection = conn;
    this.registry.add(conn);
    conn.armExpiry(() => this.closeUnauthorized(conn, 'access token expired'));
    void this.replay.replay(conn);
  }

  handleDisconnect(socket: Socket): void {
    const conn = (socket.data as SocketData).connection;
    if (!conn) return;
    this.registry.remove(conn);
    conn.dispose();
    this.messaging.forgetUser(conn.userId);
    void this.presence.disconnected(conn);
  }

  @SubscribeMessage(ClientEvents.MessageSend)
  onSend(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, async (conn) => {
      const input = await validatePayload(SendMessagePayload, payload);
      return { message: await this.messaging.send(conn, input) };
    });
  }

  @SubscribeMessage(ClientEvents.MessageDelivered)
  onDelivered(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, async (conn) => {
      await this.messaging.receipt(conn, 'delivered', await validatePayload(ReceiptPayload, payload));
      return {};
    });
  }

  @SubscribeMessage(ClientEvents.MessageRead)
  onRead(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, async (conn) => {
      await this.messaging.receipt(conn, 'read', await validatePayload(ReceiptPayload, payload));
      return {};
    });
  }

  @SubscribeMessage(ClientEvents.Typing)
  onTyping(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, async (conn) => {
      await this.messaging.typing(conn, await validatePayload(TypingPayload, payload));
      return {};
    });
  }

  @SubscribeMessage(ClientEvents.PresenceSubscribe)
  onPresenceSubscribe(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, async (conn) => {
      const input = await validatePayload(PresenceSubscribePayload, payload);
      return { presence: await this.messaging.subscribePresence(conn, input.userIds) };
    });
  }

  /** Runs an event and turns any failure into `{ok:false, error}`; never throws to Socket.IO. */
  private async answer(socket: Socket, work: (conn: ClientConnection) => Promise<object>): Promise<Ack> {
    const conn = (socket.data as SocketData).connection;
    if (!conn) return { ok: false, error: { code: 'unauthorized', message: 'not connected' } };
    try {
      return { ok: true, ...(await work(conn)) };
    } catch (err) {
      const known = toParleyError(err);
      if (!known) this.logger.error({ err }, 'event failed');
      const error = known ?? new ParleyError('internal', 'internal error');
      return { ok: false, error: error.toBody() };
    }
  }

  private closeUnauthorized(conn: ClientConnection, message: string): void {
    conn.socket.emit('error', { code: 'unauthorized', message });
    conn.socket.disconnect(true);
  }

  /** SIGTERM: stop accepting, tell clients to reconnect elsewhere, give them a moment. */
  async beforeApplicationShutdown(): Promise<void> {
    const sockets = this.registry.all();
    this.server?.engine?.close?.();
    for (const conn of sockets) conn.socket.disconnect(true);
    if (sockets.length > 0) await new Promise((r) => setTimeout(r, Math.min(500, this.config.socket.shutdownDrainMs)));
  }
}
