import { event, rpc } from './contract';

export interface SessionRevoked {
  userId: string;
  /** The `sid` claim of the tokens to reject; absent: every session of the user. */
  sessionId?: string;
}
/** Broadcast to every gateway: close the sockets of this session. */
export const SessionRevokedV1 = event<SessionRevoked>('auth.session-revoked.v1');

/**
 * The JetStream stream that keeps SessionRevokedV1 for a token's lifetime (RevocationStream in
 * util-auth): one per NATS_SUBJECT_PREFIX. Named here because NATS permissions name it too.
 */
export function sessionRevocationsStreamName(subjectPrefix = ''): string {
  const tag = subjectPrefix.replace(/[^A-Za-z0-9_-]/g, '_').replace(/_+$/, '');
  return tag ? `PARLEY_REVOKED_SESSIONS_${tag}` : 'PARLEY_REVOKED_SESSIONS';
}

export interface UsersExistRequest {
  userIds: string[];
}
export interface UsersExistReply {
  /** The ids that name no user. */
  missing: string[];
}
/** Chat creation and member adds check their user ids with auth, the owner of users. */
export const UsersExistV1 = rpc<UsersExistRequest, UsersExistReply>('user.exists.v1', 'auth');
