import { classifyFcmError } from './fcm-errors';

describe('classifyFcmError', () => {
  it.each([
    ['messaging/registration-token-not-registered', '', 'dead-token'],
    ['messaging/invalid-registration-token', '', 'dead-token'],
    ['messaging/invalid-argument', 'The registration token is not a valid FCM registration token', 'dead-token'],
    ['messaging/invalid-argument', 'Invalid value at message.android.ttl', 'rejected'],
    ['messaging/server-unavailable', '', 'transient'],
    ['messaging/internal-error', '', 'transient'],
    ['messaging/message-rate-exceeded', '', 'transient'],
    ['messaging/device-message-rate-exceeded', '', 'transient'],
    ['app/network-timeout', '', 'transient'],
    ['messaging/third-party-auth-error', '', 'rejected'],
    ['messaging/payload-size-limit-exceeded', '', 'rejected'],
    [undefined, '', 'transient'],
  ])('%s (%s) -> %s', (code, message, outcome) => {
    expect(classifyFcmError(code, message)).toBe(outcome);
  });
});
