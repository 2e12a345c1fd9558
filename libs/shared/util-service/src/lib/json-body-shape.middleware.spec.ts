import type { NextFunction, Request, Response } from 'express';
import { hasNul, rejectHostileJsonBodies } from './json-body-shape.middleware';

describe('rejectHostileJsonBodies', () => {
  const mw = rejectHostileJsonBodies();
  const run = (req: Partial<Request>) => {
    let status = 0;
    let body: unknown;
    let passed = false;
    const res = {
      status: (s: number) => ((status = s), res),
      json: (b: unknown) => ((body = b), res),
    } as unknown as Response;
    mw({ path: '/v1/chats', query: {}, ...req } as Request, res, (() => (passed = true)) as NextFunction);
    return { passed, status, body };
  };

  it('lets ordinary requests through', () => {
    expect(run({ body: { type: 'group', title: 'Team ✨', memberIds: ['a', 'b'] } }).passed).toBe(true);
    expect(run({ path: '/v1/devices/tok%3Aabc', body: undefined }).passed).toBe(true);
    expect(run({ path: '/v1/auth/login', body: { username: 'alice', password: 'pässwörd ✨' } }).passed).toBe(true);
  });

  it('answers 400 invalid for deep bodies, prototype keys and NUL anywhere', () => {
    const cases: Partial<Request>[] = [
      { body: JSON.parse(`{"memberIds":${'['.repeat(30_000)}1${']'.repeat(30_000)}}`) },
      { body: JSON.parse('{"constructor":{"prototype":{}}}') },
      { body: JSON.parse('{"__proto__":{"admin":true}}') },
      { body: { items: Array.from({ length: 2049 }, (_, i) => i) } },
      { body: { token: 'abc\u0000', platform: 'android' } },
      { path: '/v1/devices/%00' },
      { query: { limit: '1\u0000' } as never },
    ];
    for (const req of cases)
      expect(run(req)).toMatchObject({ passed: false, status: 400, body: { error: { code: 'invalid' } } });
  });

  it('finds NUL characters in values and keys at any depth', () => {
    expect(hasNul({ username: 'alice\u0000', password: 'x' })).toBe(true);
    expect(hasNul({ a: [{ 'k\u0000': 1 }] })).toBe(true);
    expect(hasNul({ username: 'alice', password: 'pässwörd ✨' })).toBe(false);
  });
});
