import { loadGatewayConfig } from './gateway.config';

describe('chat-gateway safe defaults', () => {
  const base = { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----' };

  it('allows the local web client only, trusts a loopback proxy, serves no docs, accepts tokens up to a day old', () => {
    const config = loadGatewayConfig(base);
    expect(config.edge).toEqual({
      corsOrigins: ['http://localhost:4200', 'http://127.0.0.1:4200'],
      trustProxy: ['loopback'],
      apiDocs: false,
    });
    expect(config.jwt.maxAgeSeconds).toBe(86400);
  });

  it("refuses CORS_ORIGINS='*' at start-up", () => {
    expect(() => loadGatewayConfig({ ...base, CORS_ORIGINS: '*' })).toThrow(
      /chat-gateway: invalid configuration[\s\S]*CORS_ORIGINS: '\*' is refused/,
    );
  });
});

const key = { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nunused\n-----END PUBLIC KEY-----' };

describe('loadGatewayConfig: hardening knobs', () => {
  it('has local defaults, read from the environment given', () => {
    expect(loadGatewayConfig(key).security).toEqual({
      slowConsumerMaxBufferBytes: 4 * 1024 * 1024,
      maxPayloadDepth: 6,
      revocationsReplayTimeoutMs: 15000,
    });
    const env = {
      ...key,
      SLOW_CONSUMER_MAX_BUFFER_BYTES: '131072',
      MAX_PAYLOAD_DEPTH: '4',
      REVOCATIONS_REPLAY_TIMEOUT_MS: '2000',
    };
    expect(loadGatewayConfig(env).security).toEqual({
      slowConsumerMaxBufferBytes: 131072,
      maxPayloadDepth: 4,
      revocationsReplayTimeoutMs: 2000,
    });
  });

  it('refuses values out of range at start-up, naming the variable', () => {
    expect(() => loadGatewayConfig({ ...key, SLOW_CONSUMER_MAX_BUFFER_BYTES: '1024' })).toThrow(
      /SLOW_CONSUMER_MAX_BUFFER_BYTES/,
    );
    expect(() => loadGatewayConfig({ ...key, MAX_PAYLOAD_DEPTH: '1' })).toThrow(/MAX_PAYLOAD_DEPTH/);
    expect(() => loadGatewayConfig({ ...key, REVOCATIONS_REPLAY_TIMEOUT_MS: 'soon' })).toThrow(
      /REVOCATIONS_REPLAY_TIMEOUT_MS/,
    );
  });
});

describe('loadGatewayConfig: gRPC edge', () => {
  it('serves gRPC on 3005 unless GATEWAY_GRPC_PORT says otherwise', () => {
    expect(loadGatewayConfig(key).grpc).toEqual({ port: 3005 });
    expect(loadGatewayConfig({ ...key, GATEWAY_GRPC_PORT: '4005' }).grpc).toEqual({ port: 4005 });
  });

  it('refuses a GATEWAY_GRPC_PORT that is no port', () => {
    expect(() => loadGatewayConfig({ ...key, GATEWAY_GRPC_PORT: '70000' })).toThrow(/GATEWAY_GRPC_PORT/);
  });
});

describe('loadGatewayConfig: the variables every app reads (ServiceEnv)', () => {
  it('names its own NATS identity, and refuses a NATS_SUBJECT_PREFIX as every app does', () => {
    expect(loadGatewayConfig({ ...key, NATS_PASSWORD: 'p' }).nats).toMatchObject({ user: 'chat-gateway', pass: 'p' });
    expect(() => loadGatewayConfig({ ...key, NATS_SUBJECT_PREFIX: 'a b.' })).toThrow(
      /NATS_SUBJECT_PREFIX may hold only A-Z a-z 0-9 _ \. -/,
    );
  });
});
