import { Injectable, Logger } from '@nestjs/common';
import type {
  PresenceConnectReply,
  PresenceDisconnectReply,
  PresenceLocateReply,
  PresenceQueryReply,
} from '@parley/contracts';
import { validatePayload } from '@parley/shared/util-service';
import { ConnectionBody, HeartbeatBody, InstanceGoneBody, isValidConnection, UserIdsBody } from './presence.dto';
import { PresenceEventsPublisher } from './presence-events.publisher';
import { PresenceRepository } from './presence.repository';

/** Connections per heartbeat script call: keeps each Redis script short (no long block). */
export const HEARTBEAT_BATCH = 500;
/** Connections removed per sweep / instance-gone script call. */
export const REMOVE_BATCH = 1000;
/** Sweep calls per tick at most; the rest waits for the next tick. */
export const MAX_SWEEP_ROUNDS = 20;

/**
 * Presence rules: a user is online while at least one connection is open on any
 * gateway. Every online/offline transition decided by the repository is published
 * once, right after the call that decided it (so one replica publishes in Redis order).
 */
@Injectable()
export class PresenceService {
  private readonly logger = new Logger(PresenceService.name);

  constructor(
    private readonly repository: PresenceRepository,
    private readonly events: PresenceEventsPublisher,
  ) {}

  async connect(payload: unknown): Promise<PresenceConnectReply> {
    const req = await validatePayload(ConnectionBody, payload);
    const { cameOnline, refused } = await this.repository.connect(
      req.userId,
      req.instanceId,
      req.socketId,
      req.maxConnections ?? 0,
    );
    if (refused) return { cameOnline: false, refused: true };
    if (cameOnline) this.events.online([req.userId]);
    return { cameOnline };
  }

  async disconnect(payload: unknown): Promise<PresenceDisconnectReply> {
    const req = await validatePayload(ConnectionBody, payload);
    const { wentOffline, at } = await this.repository.disconnect(req.userId, req.instanceId, req.socketId);
    if (wentOffline) this.events.offline([req.userId], at);
    return { wentOffline };
  }

  /** Refreshes a gateway's connections and re-creates any Redis lost. */
  async heartbeat(payload: unknown): Promise<void> {
    const hb = await validatePayload(HeartbeatBody, payload);
    const rows = hb.connections.filter(isValidConnection);
    if (rows.length < hb.connections.length) {
      this.logger.warn(
        { instanceId: hb.instanceId, skipped: hb.connections.length - rows.length },
        'heartbeat rows with bad ids skipped',
      );
    }
    const ttlMs = hb.ttlSeconds * 1000;
    // Always one call, even with no rows: it keeps the instance itself alive.
    for (let i = 0; i === 0 || i < rows.length; i += HEARTBEAT_BATCH) {
      const { userIds } = await this.repository.heartbeat(hb.instanceId, ttlMs, rows.slice(i, i + HEARTBEAT_BATCH));
      this.events.online(userIds);
    }
  }

  /** A gateway shutting down cleanly: all its connections close at once. */
  async instanceGone(payload: unknown): Promise<void> {
    const { instanceId } = await validatePayload(InstanceGoneBody, payload);
    let remaining = Infinity;
    for (let round = 0; remaining > 0 && round < 10_000; round++) {
      const result = await this.repository.instanceGone(instanceId, REMOVE_BATCH);
      for (const batch of result.batches) this.events.offline(batch.userIds, batch.at);
      remaining = result.remaining;
    }
  }

  async locate(payload: unknown): Promise<PresenceLocateReply> {
    const { userIds } = await validatePayload(UserIdsBody, payload);
    const found = await this.repository.locate([...new Set(userIds)]);
    return { locations: Object.fromEntries(found) };
  }

  async query(payload: unknown): Promise<PresenceQueryReply> {
    const { userIds } = await validatePayload(UserIdsBody, payload);
    const stored = await this.repository.query([...new Set(userIds)]);
    return {
      presence: stored.map((s) => ({
        userId: s.userId,
        online: s.online,
        lastSeenAt: s.online || s.lastSeenMs === null ? null : new Date(s.lastSeenMs).toISOString(),
      })),
    };
  }

  /**
   * Expires connections no heartbeat refreshed in time (a gateway that died, a lost
   * disconnect). Safe on every replica at once: each removal happens in one script,
   * so only the replica whose script removed a user's last connection publishes.
   */
  async sweep(): Promise<number> {
    let wentOffline = 0;
    for (let round = 0; round < MAX_SWEEP_ROUNDS; round++) {
      const result = await this.repository.sweep(REMOVE_BATCH);
      for (const batch of result.batches) {
        this.events.offline(batch.userIds, batch.at);
        wentOffline += batch.userIds.length;
      }
      if (!result.more) break;
    }
    return wentOffline;
  }
}
