import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import {
  PresenceChangedV1,
  PresenceConnectV1,
  PresenceDisconnectV1,
  PresenceHeartbeatV1,
  PresenceInstanceGoneV1,
  PresenceLimits,
  ServerEvents,
} from '@parley/contracts';
import { NatsBus } from '@parley/shared/util-nats';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import type { ClientConnection } from '../connections/client-connection';
import { ConnectionRegistry } from '../connections/connection-registry';

const HEARTBEAT_CHUNK = PresenceLimits.heartbeatChunk;

/**
 * Keeps the presence service told which users this instance holds: per socket on
 * connect/disconnect, and a full heartbeat every few seconds so that if this process
 * dies its users expire, and if Redis forgets, the state is rebuilt.
 */
@Injectable()
export class PresenceLinkService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PresenceLinkService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly bus: NatsBus,
    private readonly registry: ConnectionRegistry,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.subscribe(PresenceChangedV1, (state) => {
      for (const conn of this.registry.watchersOf(state.userId)) conn.transport.emit(ServerEvents.Presence, state);
    });
    // Tell presence our TTL before the first socket arrives.
    this.heartbeat();
    this.timer = setInterval(() => this.heartbeat(), this.config.presence.heartbeatMs);
    this.timer.unref();
  }

  /**
   * Registers a new socket; false when the user already has MAX_CONNECTIONS_PER_USER live
   * connections on all gateways together (presence counts them atomically: nothing registered).
   */
  async connected(conn: Pick<ClientConnection, 'userId' | 'id'>): Promise<boolean> {
    try {
      const reply = await this.bus.request(PresenceConnectV1, {
        userId: conn.userId,
        instanceId: this.config.instanceId,
        socketId: conn.id,
        maxConnections: this.config.limits.maxConnectionsPerUser,
      });
      return reply.refused !== true;
    } catch (err) {
      // The next heartbeat registers it; only this gateway's own count capped it.
      this.logger.warn({ err }, 'presence connect failed');
      return true;
    }
  }

  async disconnected(conn: Pick<ClientConnection, 'userId' | 'id'>): Promise<void> {
    try {
      await this.bus.request(PresenceDisconnectV1, {
        userId: conn.userId,
        instanceId: this.config.instanceId,
        socketId: conn.id,
      });
    } catch (err) {
      this.logger.warn({ err }, 'presence disconnect failed');
    }
  }

  heartbeat(): void {
    const connections = this.registry.all().map((c) => ({ userId: c.userId, socketId: c.id }));
    for (let i = 0; i < connections.length || i === 0; i += HEARTBEAT_CHUNK) {
      this.bus.publish(PresenceHeartbeatV1, {
        instanceId: this.config.instanceId,
        connections: connections.slice(i, i + HEARTBEAT_CHUNK),
        ttlSeconds: this.config.presence.ttlSeconds,
      });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    try {
      this.bus.publish(PresenceInstanceGoneV1, { instanceId: this.config.instanceId });
      await this.bus.flush();
    } catch {
      // NATS already gone: the TTL expires our users.
    }
  }
}
