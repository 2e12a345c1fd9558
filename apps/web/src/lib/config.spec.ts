import { resolveConfig } from './config';

describe('resolveConfig', () => {
  it('defaults to the same origin behind the proxy, resolved against the page', () => {
    expect(resolveConfig('http://127.0.0.1:4200/', null)).toEqual({
      authUrl: 'http://127.0.0.1:4200/auth',
      gatewayUrl: 'http://127.0.0.1:4200/gw',
    });
    expect(resolveConfig('https://chat.example/app/index.html', null)).toEqual({
      authUrl: 'https://chat.example/app/auth',
      gatewayUrl: 'https://chat.example/app/gw',
    });
  });

  it('config.json overrides the defaults and query parameters override both', () => {
    const file = { authUrl: 'http://127.0.0.1:3001', gatewayUrl: 'http://127.0.0.1:3000/' };
    expect(resolveConfig('http://h/', file)).toEqual({
      authUrl: 'http://127.0.0.1:3001',
      gatewayUrl: 'http://127.0.0.1:3000',
    });
    expect(resolveConfig('http://h/?gateway=http://10.0.0.2:3000', file).gatewayUrl).toBe('http://10.0.0.2:3000');
    expect(resolveConfig('http://h/', { authUrl: 42 } as never).authUrl).toBe('http://h/auth');
  });
});
