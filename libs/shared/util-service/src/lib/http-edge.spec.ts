import { ConfigError } from '@parley/shared/util-config';
import { httpEdgeConfig, parseCorsOrigins, parseTrustedProxies } from './http-edge';

describe('http edge settings', () => {
  it('defaults to the local web client, a loopback proxy and no docs', () => {
    expect(
      httpEdgeConfig('x', {
        CORS_ORIGINS: 'http://localhost:4200,http://127.0.0.1:4200',
        TRUSTED_PROXIES: 'loopback',
        API_DOCS_ENABLED: 'false',
      }),
    ).toEqual({
      corsOrigins: ['http://localhost:4200', 'http://127.0.0.1:4200'],
      trustProxy: ['loopback'],
      apiDocs: false,
    });
  });

  it('reads an explicit origin list, and none at all', () => {
    expect(parseCorsOrigins(' https://chat.example.com , http://localhost:8080,https://chat.example.com')).toEqual([
      'https://chat.example.com',
      'http://localhost:8080',
    ]);
    expect(parseCorsOrigins('')).toEqual([]);
  });

  it.each(['*', 'https://a.example,*'])('refuses the wildcard origin %j with a clear message', (value) => {
    expect(() => parseCorsOrigins(value)).toThrow(/CORS_ORIGINS: '\*' is refused/);
  });

  it.each(['chat.example.com', 'https://chat.example.com/', 'https://chat.example.com/app', 'null', 'ftp://x.example'])(
    'refuses %j, which is no origin',
    (value) => {
      expect(() => parseCorsOrigins(value)).toThrow(/is not an origin/);
    },
  );

  it('reads trusted proxies as addresses, CIDRs, names or a hop count, and refuses trusting everyone', () => {
    expect(parseTrustedProxies('loopback, 10.0.0.0/8,fc00::/7')).toEqual(['loopback', '10.0.0.0/8', 'fc00::/7']);
    expect(parseTrustedProxies('2')).toBe(2);
    expect(parseTrustedProxies('false')).toBe(false);
    expect(() => parseTrustedProxies('true')).toThrow(/any client/);
    expect(() => parseTrustedProxies('*')).toThrow(/any client/);
    expect(() => parseTrustedProxies('my-proxy.local')).toThrow(/not an address/);
  });

  it('names every bad variable at once', () => {
    try {
      httpEdgeConfig('auth', { CORS_ORIGINS: '*', TRUSTED_PROXIES: 'true', API_DOCS_ENABLED: 'yes' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
        'CORS_ORIGINS',
        'TRUSTED_PROXIES',
        'API_DOCS_ENABLED',
      ]);
    }
  });
});
