import type { PresenceState } from '../lib/models';
import { event, rpc } from './contract';

export interface PresenceConnectRequest {
  userId: string;
  instanceId: string;
  socketId: string;
  /**
   * The per-user connection cap, across gateways: with this many live connections of the user
   * registered already, the connection is not registered and the reply says `refused`.
   * Absent: no cap.
   */
  maxConnections?: number;
}
export interface PresenceConnectReply {
  /** true when this connection made the user go online. */
  cameOnline: boolean;
  /** true when the user was at maxConnections: nothing was registered. */
  refused?: boolean;
}
export const PresenceConnectV1 = rpc<PresenceConnectRequest, PresenceConnectReply>('presence.connect.v1', 'presence');

export interface PresenceDisconnectRequest {
  userId: string;
  instanceId: string;
  socketId: string;
}
export interface PresenceDisconnectReply {
  wentOffline: boolean;
}
export const PresenceDisconnectV1 = rpc<PresenceDisconnectRequest, PresenceDisconnectReply>(
  'presence.disconnect.v1',
  'presence',
);

export interface PresenceHeartbeat {
  instanceId: string;
  /** The connections this gateway holds now (a chunk of them when there are many). */
  connections: { userId: string; socketId: string }[];
  /** Seconds after which this gateway's entries expire unless heartbeated again. */
  ttlSeconds: number;
}
export const PresenceHeartbeatV1 = event<PresenceHeartbeat>('presence.heartbeat.v1');

export interface InstanceGone {
  instanceId: string;
}
/** A gateway going away cleanly: all its connections are closed at once. */
export const PresenceInstanceGoneV1 = event<InstanceGone>('presence.instance-gone.v1');

export interface PresenceLocateRequest {
  userIds: string[];
}
export interface PresenceLocateReply {
  /** userId -> gateway instance ids holding at least one of its connections; absent: offline. */
  locations: Record<string, string[]>;
}
/**
 * maxUserIdsPerRequest: ids per presence.locate.v1 / presence.query.v1 request, one group's
 * members (Limits.groupMaxMembers). The reply then stays under NATS's 1 MiB even with every user
 * on 10 gateways (the per-user connection cap). maxHeartbeatConnections: connections one
 * presence.heartbeat.v1 may carry (NATS's 1 MB holds ~10k); gateways send heartbeatChunk at a time.
 */
export const PresenceLimits = {
  maxUserIdsPerRequest: 1024,
  maxHeartbeatConnections: 20_000,
  heartbeatChunk: 1000,
} as const;

/** One round trip for all members of a chat: the fan-out's routing table. */
export const PresenceLocateV1 = rpc<PresenceLocateRequest, PresenceLocateReply>('presence.locate.v1', 'presence');

export interface PresenceQueryRequest {
  userIds: string[];
}
export interface PresenceQueryReply {
  presence: PresenceState[];
}
export const PresenceQueryV1 = rpc<PresenceQueryRequest, PresenceQueryReply>('presence.query.v1', 'presence');

/** Broadcast to every gateway (each relays to its subscribed sockets) and to push-notifier. */
export const PresenceChangedV1 = event<PresenceState>('presence.changed.v1');

export interface PresenceArrived {
  userId: string;
  /** The gateway instance that now holds a connection of the user. */
  instanceId: string;
}
/**
 * Broadcast by a gateway to every gateway when a user's first connection there was registered
 * with presence: the others add the instance to the location they cache for the user (the
 * fan-out's location cache, docs/scaling.md), so a message is never routed past it.
 */
export const PresenceArrivedV1 = event<PresenceArrived>('presence.arrived.v1');
