import { event } from './contract';

export interface SessionRevoked {
  userId: string;
  /** The `sid` claim of the tokens to reject; absent: every session of the user. */
  sessionId?: string;
}
/** Broadcast to every gateway: close the sockets of this session. */
export const SessionRevokedV1 = event<SessionRevoked>('auth.session-revoked.v1');
