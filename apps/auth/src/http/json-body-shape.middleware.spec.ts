import { hasNul, shapeProblem } from './json-body-shape.middleware';

describe('shapeProblem', () => {
  it('accepts the bodies auth takes', () => {
    expect(shapeProblem({ username: 'alice', password: 'password-1', displayName: 'Alice' })).toBeUndefined();
    expect(shapeProblem({ everywhere: true })).toBeUndefined();
    expect(shapeProblem(undefined)).toBeUndefined();
  });

  it('refuses 30,000 levels of nesting without recursing, and prototype keys', () => {
    expect(shapeProblem(JSON.parse(`${'['.repeat(30_000)}1${']'.repeat(30_000)}`))).toMatch(/nested deeper/);
    expect(shapeProblem(JSON.parse('{"username":"a","constructor":{"x":1}}'))).toMatch(/forbidden key/);
    expect(shapeProblem(JSON.parse('{"__proto__":{"admin":true}}'))).toMatch(/forbidden key/);
  });

  it('finds NUL characters in values and keys at any depth', () => {
    expect(hasNul({ username: 'alice\u0000', password: 'x' })).toBe(true);
    expect(hasNul({ a: [{ 'k\u0000': 1 }] })).toBe(true);
    expect(hasNul({ username: 'alice', password: 'pässwörd ✨' })).toBe(false);
  });
});
