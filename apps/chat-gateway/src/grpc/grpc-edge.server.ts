import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Server, ServerCredentials, status as GrpcStatus } from '@grpc/grpc-js';
import { CHAT_GATEWAY_SERVICE, loadChatGatewayProto, type ServerFrame } from '@parley/contracts/grpc';
import { NatsBus } from '@parley/shared/util-nats';
import { within } from '@parley/shared/util-service';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { gatewayReadiness } from '../config/gateway.readiness';
import { ConnectionRegistry } from '../connections/connection-registry';
import { ChatStreamHandler } from './chat-stream.handler';
import { GrpcTransport } from './grpc.transport';

/** How often the health service re-checks readiness (what GET /health/ready checks). */
const READINESS_POLL_MS = 1000;

/**
 * The gRPC edge: parley.v1.ChatGateway/Connect and grpc.health.v1.Health on GATEWAY_GRPC_PORT,
 * next to Socket.IO and HTTP. Health answers SERVING for "" and "parley.v1.ChatGateway" while
 * the gateway is ready, NOT_SERVING before and from the start of shutdown.
 */
@Injectable()
export class GrpcEdgeServer implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(GrpcEdgeServer.name);
  private readonly server: Server;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING', [CHAT_GATEWAY_SERVICE]: 'NOT_SERVING' });
  private readinessTimer?: NodeJS.Timeout;
  private shuttingDown = false;
  private serving: ServingStatus = 'NOT_SERVING';
  private boundPort?: number;

  constructor(
    private readonly handler: ChatStreamHandler,
    private readonly registry: ConnectionRegistry,
    private readonly bus: NatsBus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.server = new Server({
      // The same bound as a Socket.IO packet (MAX_PAYLOAD_BYTES): larger frames end the call.
      'grpc.max_receive_message_length': config.limits.maxPayloadBytes,
      // Finds clients that vanished without closing (as Socket.IO's ping does).
      'grpc.keepalive_time_ms': config.socket.pingIntervalMs,
      'grpc.keepalive_timeout_ms': config.socket.pingTimeoutMs,
    });
  }

  /** The port it listens on (GATEWAY_GRPC_PORT, or the one picked when that is 0). */
  get port(): number | undefined {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    const service = loadChatGatewayProto().parley.v1.ChatGateway.service;
    const serialize = service.Connect.responseSerialize as (frame: ServerFrame) => Buffer;
    this.server.addService(service, {
      Connect: (call: Parameters<ChatStreamHandler['connect']>[0]) =>
        this.handler.connect(call, (frame) => serialize(frame).length),
    });
    this.health.addToServer(this.server);
    const address = `${this.config.http.host}:${this.config.grpc.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(new Error(`gRPC edge cannot listen on ${address}: ${err.message}`)) : resolve(port),
      ),
    );
    this.logger.log({ port: this.boundPort }, `gRPC edge listening on ${this.config.http.host}:${this.boundPort}`);
    await this.checkReadiness();
    this.readinessTimer = setInterval(() => void this.checkReadiness(), READINESS_POLL_MS);
    this.readinessTimer.unref();
  }

  private async checkReadiness(): Promise<void> {
    let ready = false;
    try {
      const results = await Promise.all(gatewayReadiness(this.bus).map((c) => within(2000, c.isReady())));
      ready = results.every(Boolean);
    } catch {
      ready = false;
    }
    if (!this.shuttingDown) this.setServing(ready ? 'SERVING' : 'NOT_SERVING');
  }

  /** What the health service answers for "" and parley.v1.ChatGateway. */
  get servingStatus(): ServingStatus {
    return this.serving;
  }

  private setServing(status: ServingStatus): void {
    this.serving = status;
    this.health.setStatus('', status);
    this.health.setStatus(CHAT_GATEWAY_SERVICE, status);
  }

  /** SIGTERM: NOT_SERVING, every call ended with UNAVAILABLE (reconnect elsewhere), then a drain. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    if (this.readinessTimer) clearInterval(this.readinessTimer);
    this.setServing('NOT_SERVING');
    for (const conn of this.registry.all()) {
      if (conn.transport instanceof GrpcTransport) conn.transport.end(GrpcStatus.UNAVAILABLE, 'gateway shutting down');
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn('gRPC calls still open after SHUTDOWN_DRAIN_MS: forced shutdown');
        this.server.forceShutdown();
        resolve();
      }, this.config.socket.shutdownDrainMs);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  onApplicationShutdown(): void {
    this.server.forceShutdown();
  }
}
