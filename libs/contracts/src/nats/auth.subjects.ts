import { event, rpc } from './contract';

export interface SessionRevoked {
  userId: string;
  /** The `sid` claim of the tokens to reject; absent: every session of the user. */
  sessionId?: string;
}
/** Broadcast to every gateway: close the sockets of this session. */
export const SessionRevokedV1 = event<SessionRevoked>('auth.session-revoked.v1');

export interface UsersExistRequest {
  userIds: string[];
}
export interface UsersExistReply {
  /** The ids that name no user. */
  missing: string[];
}
/** Chat creation and member adds check their user ids with auth, the owner of users. */
export const UsersExistV1 = rpc<UsersExistRequest, UsersExistReply>('user.exists.v1', 'auth');
