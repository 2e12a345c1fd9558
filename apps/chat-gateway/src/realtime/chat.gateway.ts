import {
  Inject,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
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
  DeleteMessagePayload,
  EditMessagePayload,
  EventListV1,
  MessageHistoryV1,
  ParleyError,
  PresenceSubscribePayload,
  ReactMessagePayload,
  ReceiptPayload,
  SendMessagePayload,
  ServerEvents,
  TypingPayload,
  type Ack,
  type SessionRevoked,
} from '@parley/contracts';
import { AccessTokenVerifier, type AccessTokenClaims } from '@parley/shared/util-auth';
import { NatsBus } from '@parley/shared/util-nats';
import { assertPayloadShape, loggableError, toParleyError, validatePayload } from '@parley/shared/util-service';
import type { Server, Socket } from 'socket.io';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { HeadsWatch } from '../delivery/heads-watch.service';
import { EventCatchUpService } from '../delivery/event-catch-up.service';
import { ReplayService } from '../delivery/replay.service';
import { MessagingService } from '../messaging/messaging.service';
import { PresenceLinkService } from '../presence/presence-link.service';
import { GatewayLimits } from '../security/gateway-limits';
import { SecurityMetrics } from '../security/security.metrics';
import { SessionRevocations } from '../security/session-revocations';
import { guardSlowConsumer } from '../security/slow-consumer.guard';
import { ClientConnection } from './client-connection';
import { ConnectionRegistry } from './connection-registry';

interface SocketData {
  claims?: AccessTokenClaims;
  connection?: ClientConnection;
  /** auth.since: resume the event stream after it (undefined: v1 replay). */
  since?: number;
}

/** auth.since: absent or null is v1; else an integer >= 0 (a numeric string is not). */
function parseSince(auth: Record<string, unknown> | undefined): number | undefined | 'invalid' {
  const since = auth?.['since'];
  if (since === undefined || since === null) return undefined;
  return typeof since === 'number' && Number.isSafeInteger(since) && since >= 0 ? since : 'invalid';
}

/** Largest number of values in one event payload (a presence:subscribe of 1024 ids is 1025). */
const MAX_PAYLOAD_NODES = 2048;

/**
 * Socket.IO side of docs/protocol.md. Every event is acked; nothing a client sends can crash it.
 * The hardening lives here and in ../security: revoked sessions refused and their sockets
 * closed, payload shape checked before any validator walks it, per-user rate limits
 * (../security/gateway-limits.ts, checked in MessagingService before any other work), and
 * slow consumers dropped before their buffer grows without bound.
 */
@WebSocketGateway()
export class ChatGateway
  implements
    OnGatewayInit,
    OnGatewayConnection,
    OnGatewayDisconnect,
    OnModuleInit,
    BeforeApplicationShutdown,
    OnApplicationShutdown
{
  private readonly logger = new Logger(ChatGateway.name);
  @WebSocketServer() server: Server;
  private readonly revocations: SessionRevocations;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly registry: ConnectionRegistry,
    private readonly messaging: MessagingService,
    private readonly replay: ReplayService,
    private readonly catchUp: EventCatchUpService,
    private readonly presence: PresenceLinkService,
    private readonly limits: GatewayLimits,
    private readonly heads: HeadsWatch,
    private readonly securityMetrics: SecurityMetrics,
    private readonly bus: NatsBus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.revocations = new SessionRevocations(bus, config.nats, (event) => this.closeRevoked(event));
  }

  /** Before the first request: the deny-list of revoked sessions is complete (or start-up fails). */
  async onModuleInit(): Promise<void> {
    await this.revocations.start(this.verifier, this.config.security.revocationsReplayTimeoutMs);
  }

  onApplicationShutdown(): void {
    this.revocations.stop();
  }

  afterInit(server: Server): void {
    server.use((socket, next) => {
      const auth = socket.handshake.auth as Record<string, unknown> | undefined;
      const token: unknown = auth?.['token'];
      const since = parseSince(auth);
      this.verifier
        .verify(token)
        .then((claims) => {
          // unauthorized before invalid (the protocol's error order).
          if (since === 'invalid') return next(new Error('invalid'));
          (socket.data as SocketData).since = since;
          if (this.registry.connectionCount(claims.userId) >= this.config.limits.maxConnectionsPerUser) {
            this.securityMetrics.rejected.inc({ reason: 'connections_per_user' });
            return next(new Error('rate_limited'));
          }
          (socket.data as SocketData).claims = claims;
          // Registered before the client sees `connect`, so a client that connects a second
          // device and closes the first is never shown offline in between. Presence also
          // applies the per-user cap across gateways.
          return this.presence.connected({ userId: claims.userId, id: socket.id }).then((admitted) => {
            if (admitted) return next();
            this.securityMetrics.rejected.inc({ reason: 'connections_per_user' });
            next(new Error('rate_limited'));
          });
        })
        .catch(() => {
          this.securityMetrics.rejected.inc({ reason: 'unauthorized' });
          next(new Error('unauthorized'));
        });
    });
  }

  /** A logout: every socket of the user whose token the deny-list now refuses is closed. */
  private closeRevoked({ userId }: SessionRevoked): void {
    for (const conn of [...this.registry.connectionsOf(userId)]) {
      if (!this.revocations.list.isRevoked(conn.claims)) continue;
      this.securityMetrics.sessionsClosed.inc();
      this.closeUnauthorized(conn, 'session revoked');
    }
  }

  handleConnection(socket: Socket): void {
    const claims = (socket.data as SocketData).claims;
    if (!claims) {
      socket.disconnect(true);
      return;
    }
    // Revoked while the handshake was in flight: the revocation found no socket to close.
    if (this.revocations.list.isRevoked(claims)) {
      socket.emit(ServerEvents.Error, { code: 'unauthorized', message: 'session revoked' });
      socket.disconnect(true);
      return;
    }
    // Socket.IO keeps the handshake request for its life; we have what we need from it.
    (socket.request as { res?: unknown }).res = undefined;
    const since = (socket.data as SocketData).since;
    const conn = new ClientConnection(
      socket,
      claims,
      {
        // A gap fill is a history read of the user: it waits its turn like an HTTP page.
        fetchAfter: (chatId, afterSeq, limit) =>
          this.limits.readHistory(
            claims.userId,
            async () =>
              (await this.bus.request(MessageHistoryV1, { chatId, userId: claims.userId, after: afterSeq, limit }))
                .messages,
          ),
        gapFillDelayMs: this.config.delivery.gapFillDelayMs,
        onError: (err) => this.logger.warn({ err }, 'gap fill failed'),
        ...this.heads.orderDeps,
      },
      since === undefined
        ? undefined
        : {
            since,
            fetchAfter: (after, limit) =>
              this.limits.readHistory(claims.userId, () =>
                this.bus.request(EventListV1, { userId: claims.userId, since: after, limit }),
              ),
            gapFillDelayMs: this.config.delivery.gapFillDelayMs,
            onError: (err) => this.logger.warn({ err }, 'event gap fill failed'),
          },
    );
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
    this.registry.add(conn);
    conn.armExpiry(() => this.closeUnauthorized(conn, 'access token expired'));
    void (conn.events ? this.catchUp.catchUp(conn) : this.replay.replay(conn));
  }

  handleDisconnect(socket: Socket): void {
    const conn = (socket.data as SocketData).connection;
    if (!conn) return;
    this.registry.remove(conn);
    conn.dispose();
    void this.presence.disconnected(conn);
  }

  @SubscribeMessage(ClientEvents.MessageSend)
  onSend(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, payload, async (conn) => {
      const input = await validatePayload(SendMessagePayload, payload);
      return this.messaging.send(conn, input);
    });
  }

  @SubscribeMessage(ClientEvents.MessageEdit)
  onEdit(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, payload, async (conn) => {
      const input = await validatePayload(EditMessagePayload, payload);
      return this.messaging.edit(conn, input);
    });
  }

  @SubscribeMessage(ClientEvents.MessageDelete)
  onDelete(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, payload, async (conn) => {
      const input = await validatePayload(DeleteMessagePayload, payload);
      return this.messaging.delete(conn, input);
    });
  }

  @SubscribeMessage(ClientEvents.MessageReact)
  onReact(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, payload, async (conn) => {
      const input = await validatePayload(ReactMessagePayload, payload);
      return this.messaging.react(conn, input);
    });
  }

  @SubscribeMessage(ClientEvents.MessageDelivered)
  onDelivered(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, payload, async (conn) => {
      return this.messaging.receipt(conn, 'delivered', await validatePayload(ReceiptPayload, payload));
    });
  }

  @SubscribeMessage(ClientEvents.MessageRead)
  onRead(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, payload, async (conn) => {
      return this.messaging.receipt(conn, 'read', await validatePayload(ReceiptPayload, payload));
    });
  }

  @SubscribeMessage(ClientEvents.Typing)
  onTyping(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, payload, async (conn) => {
      await this.messaging.typing(conn, await validatePayload(TypingPayload, payload));
      return {};
    });
  }

  @SubscribeMessage(ClientEvents.PresenceSubscribe)
  onPresenceSubscribe(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown): Promise<Ack> {
    return this.answer(socket, payload, async (conn) => {
      const input = await validatePayload(PresenceSubscribePayload, payload);
      return { presence: await this.messaging.subscribePresence(conn, input.userIds) };
    });
  }

  /** Runs an event and turns any failure into `{ok:false, error}`; never throws to Socket.IO. */
  private async answer(
    socket: Socket,
    payload: unknown,
    work: (conn: ClientConnection) => Promise<object>,
  ): Promise<Ack> {
    const conn = (socket.data as SocketData).connection;
    if (!conn) return { ok: false, error: { code: 'unauthorized', message: 'not connected' } };
    try {
      assertPayloadShape(payload, { maxDepth: this.config.security.maxPayloadDepth, maxNodes: MAX_PAYLOAD_NODES });
      return { ok: true, ...(await work(conn)) };
    } catch (err) {
      const known = toParleyError(err);
      // Its type, message and stack only: an error object may carry what a client sent.
      if (!known) this.logger.error({ err: loggableError(err) }, 'event failed');
      const error = known ?? new ParleyError('internal', 'internal error');
      return { ok: false, error: error.toBody() };
    }
  }

  private closeUnauthorized(conn: ClientConnection, message: string): void {
    conn.socket.emit(ServerEvents.Error, { code: 'unauthorized', message });
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

/** Why Engine.IO closed a socket (an Error, or an object with a message), for the debug log. */
function describeClose(description: unknown): string | undefined {
  if (!description) return undefined;
  if (description instanceof Error) return description.message;
  const d = description as { message?: unknown; description?: unknown };
  if (typeof d.message === 'string') return d.message;
  if (d.description instanceof Error) return d.description.message;
  return undefined;
}
