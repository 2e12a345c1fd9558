import {
  PresenceLimits,
  type InstanceGone,
  type PresenceConnectRequest,
  type PresenceDisconnectRequest,
  type PresenceHeartbeat,
  type PresenceLocateRequest,
  type PresenceQueryRequest,
} from '@parley/contracts';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

/** User and instance ids are Redis key parts and '|'-joined members: no '|', bounded. */
const ID_PATTERN = /^[^|]{1,128}$/;
const MAX_SOCKET_ID_LENGTH = 256;
/** One group's members per request: the reply's size is bounded by it. */
const MAX_USER_IDS = PresenceLimits.maxUserIdsPerRequest;
const MAX_HEARTBEAT_CONNECTIONS = PresenceLimits.maxHeartbeatConnections;

const idMessage = (field: string) => `${field} must be 1-128 characters without '|'`;

export class ConnectionBody implements PresenceConnectRequest, PresenceDisconnectRequest {
  @IsString() @Matches(ID_PATTERN, { message: idMessage('userId') }) userId: string;
  @IsString() @Matches(ID_PATTERN, { message: idMessage('instanceId') }) instanceId: string;
  @IsString() @Length(1, MAX_SOCKET_ID_LENGTH) socketId: string;
  /** Connect only: the per-user cap (a disconnect ignores it). */
  @IsOptional() @IsInt() @Min(1) @Max(100_000) maxConnections?: number;
}

export class HeartbeatBody implements PresenceHeartbeat {
  @IsString() @Matches(ID_PATTERN, { message: idMessage('instanceId') }) instanceId: string;
  /** Items are checked one by one by the service, so one bad row does not drop the rest. */
  @IsArray() @ArrayMaxSize(MAX_HEARTBEAT_CONNECTIONS) connections: { userId: string; socketId: string }[];
  @IsInt() @Min(1) @Max(3600) ttlSeconds: number;
}

export class InstanceGoneBody implements InstanceGone {
  @IsString() @Matches(ID_PATTERN, { message: idMessage('instanceId') }) instanceId: string;
}

export class UserIdsBody implements PresenceLocateRequest, PresenceQueryRequest {
  @IsArray()
  @ArrayMaxSize(MAX_USER_IDS)
  @IsString({ each: true })
  @Matches(ID_PATTERN, { each: true, message: "each of userIds must be 1-128 characters without '|'" })
  userIds: string[];
}

/** A heartbeat row is usable when both ids are well formed. */
export function isValidConnection(row: unknown): row is { userId: string; socketId: string } {
  if (typeof row !== 'object' || row === null) return false;
  const { userId, socketId } = row as Record<string, unknown>;
  return (
    typeof userId === 'string' &&
    ID_PATTERN.test(userId) &&
    typeof socketId === 'string' &&
    socketId.length > 0 &&
    socketId.length <= MAX_SOCKET_ID_LENGTH
  );
}
