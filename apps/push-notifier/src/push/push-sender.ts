import type { TokenMessage } from 'firebase-admin/messaging';

/**
 * What became of one message: `sent` (FCM accepted it), `transient` (try again
 * later), `dead-token` (the token will never work again: delete it), `rejected`
 * (this message will not go through; retrying does not help).
 */
export type PushOutcome = 'sent' | 'transient' | 'dead-token' | 'rejected';

export interface PushSendResult {
  token: string;
  outcome: PushOutcome;
  /** FCM's error code when not sent, e.g. messaging/server-unavailable. */
  code?: string;
}

/** The firebase boundary: one result per message, in order; never throws for a per-token failure. */
export abstract class PushSender {
  abstract readonly mode: 'firebase' | 'dry-run';
  abstract send(messages: TokenMessage[]): Promise<PushSendResult[]>;
}

/** The last 6 characters: enough to tell devices apart in logs without leaking the token. */
export function tokenTail(token: string): string {
  return `…${token.slice(-6)}`;
}
