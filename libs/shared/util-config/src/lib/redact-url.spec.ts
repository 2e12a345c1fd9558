import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it('hides the password of a connection URL, keeping what names the server', () => {
    expect(redactUrl('redis://:s3cret@cache:6379/0')).toBe('redis://:***@cache:6379/0');
    expect(redactUrl('rediss://app:s3cret@cache:6380')).toBe('rediss://app:***@cache:6380');
    expect(redactUrl('postgres://app:p%40ss@db:5432/parley?sslmode=require')).toBe(
      'postgres://app:***@db:5432/parley?sslmode=require',
    );
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('redis://app:s3cret@not a host')).toBe('redis://app:***@not a host');
  });
});
