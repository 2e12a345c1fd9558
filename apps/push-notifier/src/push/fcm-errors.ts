import type { PushOutcome } from './push-sender';

/** FCM says the token is gone for good (app uninstalled, token rotated, malformed). */
const DEAD_TOKEN_CODES = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
]);

/** Worth another try later: FCM or the network is having a bad moment, or we went over a quota. */
const TRANSIENT_CODES = new Set([
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/unknown-error',
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
  'messaging/quota-exceeded',
  'messaging/authentication-error',
  'app/network-error',
  'app/network-timeout',
  'app/internal-error',
]);

/**
 * Maps a firebase-admin error code to what to do. `invalid-argument` is FCM v1's
 * answer to a malformed token too; only that case (the message names the token)
 * removes the device, so a bug in our payload never wipes the table.
 */
export function classifyFcmError(code: string | undefined, message = ''): Exclude<PushOutcome, 'sent'> {
  if (!code) return 'transient';
  if (DEAD_TOKEN_CODES.has(code)) return 'dead-token';
  if (code === 'messaging/invalid-argument' && /registration token/i.test(message)) return 'dead-token';
  if (TRANSIENT_CODES.has(code)) return 'transient';
  return 'rejected';
}
