import { Inject, Injectable, Logger } from '@nestjs/common';
import { status as GrpcStatus, type Metadata } from '@grpc/grpc-js';
import type { Ack, ErrorCode } from '@parley/contracts';
import { GrpcMetadata, type ClientFrame__Output, type ServerFrame } from '@parley/contracts/grpc';
import { toParleyError } from '@parley/shared/util-service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import type { ClientConnection } from '../connections/client-connection';
import { ClientEventsService } from '../realtime/client-events.service';
import { ConnectionLifecycle, type Since } from '../realtime/connection-lifecycle.service';
import { SecurityMetrics } from '../security/security.metrics';
import { toAckFrame, toClientEvent } from './frame-mapping';
import { GrpcTransport, type ConnectCall } from './grpc.transport';

/** `authorization: Bearer <token>`; anything else is no token. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get(GrpcMetadata.Authorization)[0];
  const match = typeof value === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}

/** `parley-since`: absent is v1; else decimal digits of a safe integer (as Socket.IO's auth.since). */
export function parseSinceMetadata(metadata: Metadata): Since {
  const values = metadata.get(GrpcMetadata.Since);
  if (values.length === 0) return undefined;
  const value = values[0];
  if (values.length > 1 || typeof value !== 'string' || !/^\d{1,16}$/.test(value)) return 'invalid';
  const since = Number(value);
  return Number.isSafeInteger(since) ? since : 'invalid';
}

/** The call status a refused connection ends with (docs/protocol.md, gRPC). */
export function admissionStatus(code: ErrorCode | undefined): GrpcStatus {
  if (code === 'unauthorized') return GrpcStatus.UNAUTHENTICATED;
  if (code === 'invalid') return GrpcStatus.INVALID_ARGUMENT;
  if (code === 'rate_limited') return GrpcStatus.RESOURCE_EXHAUSTED;
  // Anything else kept the gateway from admitting it (a dependency down): retry.
  return GrpcStatus.UNAVAILABLE;
}

/**
 * One Connect call, the gRPC twin of ChatGateway (../realtime/chat.gateway.ts): admission and
 * the connection's life through ConnectionLifecycle, each client frame through
 * ClientEventsService, answered with one ack when it has a request_id.
 */
@Injectable()
export class ChatStreamHandler {
  private readonly logger = new Logger(ChatStreamHandler.name);

  constructor(
    private readonly lifecycle: ConnectionLifecycle,
    private readonly clientEvents: ClientEventsService,
    private readonly securityMetrics: SecurityMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  connect(call: ConnectCall, sizeOf: (frame: ServerFrame) => number): GrpcTransport {
    const transport = new GrpcTransport(call, {
      maxBufferedBytes: this.config.security.slowConsumerMaxBufferBytes,
      sizeOf,
      onSlowConsumer: (bufferedBytes) => {
        this.securityMetrics.slowConsumersDropped.inc();
        this.logger.warn({ connectionId: transport.id, bufferedBytes }, 'slow gRPC consumer dropped');
      },
    });
    void this.admit(call, transport);
    return transport;
  }

  private async admit(call: ConnectCall, transport: GrpcTransport): Promise<void> {
    const since = parseSinceMetadata(call.metadata);
    let claims;
    try {
      claims = await this.lifecycle.admit(bearerToken(call.metadata), since, transport.id);
    } catch (err) {
      const error = toParleyError(err);
      transport.end(admissionStatus(error?.code), error?.message ?? 'connection refused');
      return;
    }
    if (!transport.connected) return this.lifecycle.abandon(claims, transport.id);
    transport.write({ hello: { userId: claims.userId, connectionId: transport.id } });
    const conn = this.lifecycle.open(transport, claims, since as number | undefined);
    if (!conn) return;
    transport.onClose(() => this.lifecycle.closed(conn));
    const inFlight = new Set<Promise<void>>();
    call.on('data', (frame: ClientFrame__Output) => {
      const work = this.answer(conn, frame).then((ack) => {
        if (ack) transport.write(ack);
      });
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    });
    // Half-close: the client is done sending; the call ends with OK once its frames are acked.
    call.on('end', () => {
      void Promise.all(inFlight).then(() => transport.endOk());
    });
  }

  /** The ack of one frame: undefined when its request_id is 0 (no ack wanted). */
  private async answer(conn: ClientConnection, frame: ClientFrame__Output): Promise<ServerFrame | undefined> {
    const event = toClientEvent(frame);
    const ack: Ack = event
      ? await this.clientEvents.handle(conn, event.event, event.payload)
      : { ok: false, error: { code: 'invalid', message: 'frame has no kind set' } };
    return frame.requestId ? toAckFrame(frame.requestId, ack) : undefined;
  }
}
