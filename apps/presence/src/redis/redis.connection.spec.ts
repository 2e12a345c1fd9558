import { redactUrl } from './redis.connection';

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('redis://:s3cret@cache:6379/0')).toBe('redis://:***@cache:6379/0');
    expect(redactUrl('rediss://app:s3cret@cache:6380')).toBe('rediss://app:***@cache:6380');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
