import { loggableError, loggablePath } from './log-safety';

describe('log safety', () => {
  it('keeps the shape of an error, never its parameters or detail', () => {
    const err = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      name: 'QueryFailedError',
      code: '22021',
      parameters: ['fcm-token-secret', 'user-id'],
      detail: 'Key (token)=(fcm-token-secret) already exists.',
    });
    const logged = loggableError(err);
    expect(logged).toMatchObject({ type: 'QueryFailedError', code: '22021', message: err.message });
    expect(JSON.stringify(logged)).not.toContain('fcm-token-secret');
  });

  it('keeps what an error said when it reaches the serializer already logged, as a message or not an Error', () => {
    const err = Object.assign(new Error('no responders'), { code: 'unavailable' });
    expect(loggableError(loggableError(err))).toEqual(loggableError(err));
    expect(loggableError(err.message)).toEqual({ type: 'string', message: 'no responders' });
    expect(loggableError({ code: 'forbidden', message: 'not a member', detail: 'secret' })).toEqual({
      type: 'object',
      message: 'not a member',
      code: 'forbidden',
      stack: undefined,
    });
    expect(loggableError(42)).toEqual({ type: 'number', message: '42' });
    expect(loggableError(undefined)).toEqual({ type: 'undefined', message: 'undefined' });
  });

  it('redacts push tokens in request paths and drops query strings', () => {
    expect(loggablePath('/v1/devices/fcm-token-secret')).toBe('/v1/devices/[redacted]');
    expect(loggablePath('/v1/chats/abc/messages?after=3')).toBe('/v1/chats/abc/messages');
    expect(loggablePath(undefined)).toBeUndefined();
  });
});
