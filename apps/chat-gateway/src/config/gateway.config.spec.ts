import { loadGatewayConfig } from './gateway.config';

describe('chat-gateway safe defaults', () => {
  const base = { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----' };

  it('allows the local web client only, trusts a loopback proxy, serves no docs, accepts tokens up to a day old', () => {
    const config = loadGatewayConfig(base);
    expect(config.edge).toEqual({ corsOrigins: ['http://localhost:4200', 'http://127.0.0.1:4200'], trustProxy: ['loopback'], apiDocs: false });
    expect(config.jwt.maxAgeSeconds).toBe(86400);
  });

  it("refuses CORS_ORIGINS='*' at start-up", () => {
    expect(() => loadGatewayConfig({ ...base, CORS_ORIGINS: '*' })).toThrow(/chat-gateway: invalid configuration[\s\S]*CORS_ORIGINS: '\*' is refused/);
  });
});
