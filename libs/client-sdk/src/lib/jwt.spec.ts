import { newClientMsgId } from './client-id';
import { tokenExpiresAt } from './jwt';

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('tokenExpiresAt', () => {
  it('reads exp in ms, null when absent or not a JWT', () => {
    expect(tokenExpiresAt(`${b64url({ alg: 'ES256' })}.${b64url({ sub: 'u', exp: 1700000000 })}.sig`)).toBe(
      1700000000000,
    );
    expect(tokenExpiresAt(`${b64url({})}.${b64url({ sub: 'u' })}.sig`)).toBeNull();
    expect(tokenExpiresAt('garbage')).toBeNull();
    expect(tokenExpiresAt('a.!!!.c')).toBeNull();
  });
});

describe('newClientMsgId', () => {
  it('is 22 url-safe characters and unique', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newClientMsgId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
