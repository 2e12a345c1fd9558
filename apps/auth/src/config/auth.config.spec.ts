import { loadAuthConfig } from './auth.config';

const base = { JWT_PRIVATE_KEY: 'pem' };

describe('auth configuration', () => {
  it('has safe production defaults', () => {
    const c = loadAuthConfig(base);
    expect(c.password).toEqual({ scryptLogN: 17, concurrency: 2 });
    expect(c.jwt.maxAgeSeconds).toBe(86400);
    expect(c.http.edge).toEqual({
      corsOrigins: ['http://localhost:4200', 'http://127.0.0.1:4200'],
      trustProxy: ['loopback'],
      apiDocs: false,
    });
    expect(c.limits.rates.login).toEqual({ perSecond: 20 / 60, burst: 20 });
    expect(c.limits.rates.register).toEqual({ perSecond: 10 / 60, burst: 10 });
    expect(c.limits.redis.url).toBe('redis://127.0.0.1:6379');
  });

  it("refuses CORS_ORIGINS='*' and trusting every proxy, naming the variables", () => {
    expect(() => loadAuthConfig({ ...base, CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS: '\*' is refused/);
    expect(() => loadAuthConfig({ ...base, TRUSTED_PROXIES: 'true' })).toThrow(/TRUSTED_PROXIES/);
  });

  it('refuses a token lifetime longer than the maximum token age', () => {
    expect(() => loadAuthConfig({ ...base, JWT_TTL_SECONDS: '7200', JWT_MAX_AGE_SECONDS: '3600' })).toThrow(
      /JWT_TTL_SECONDS \(7200\) is above JWT_MAX_AGE_SECONDS \(3600\)/,
    );
    expect(loadAuthConfig({ ...base, JWT_TTL_SECONDS: '3600', JWT_MAX_AGE_SECONDS: '3600' }).jwt.maxAgeSeconds).toBe(
      3600,
    );
  });
});
