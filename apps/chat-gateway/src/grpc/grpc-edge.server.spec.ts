import { grpcHealthCheck } from '@parley/shared/testing';
import type { NatsBus } from '@parley/shared/util-nats';
import type { GatewayConfig } from '../config/gateway.config';
import { ConnectionRegistry } from '../connections/connection-registry';
import type { ChatStreamHandler } from './chat-stream.handler';
import { GrpcEdgeServer } from './grpc-edge.server';

/** The health service of the gRPC edge follows the gateway's readiness (a stand-in NATS here). */
describe('GrpcEdgeServer health', () => {
  let ready = false;
  const bus = { readiness: () => ({ name: 'nats', isReady: async () => ready }) } as unknown as NatsBus;
  const config = {
    http: { host: '127.0.0.1', port: 0 },
    grpc: { port: 0 },
    limits: { maxPayloadBytes: 65536 },
    socket: { pingIntervalMs: 25000, pingTimeoutMs: 20000, shutdownDrainMs: 1000 },
  } as GatewayConfig;
  const server = new GrpcEdgeServer({} as ChatStreamHandler, new ConnectionRegistry(), bus, config);
  let address: string;
  const until = async (service: string, status: string) => {
    for (let i = 0; i < 100 && (await grpcHealthCheck(address, service)) !== status; i++)
      await new Promise((r) => setTimeout(r, 100));
    return grpcHealthCheck(address, service);
  };

  beforeAll(async () => {
    await server.onApplicationBootstrap();
    address = `127.0.0.1:${server.port}`;
  });

  afterAll(() => server.onApplicationShutdown());

  it('NOT_SERVING until ready, SERVING once ready, for "" and parley.v1.ChatGateway; NOT_FOUND for others', async () => {
    expect(await grpcHealthCheck(address, '')).toBe('NOT_SERVING');
    expect(await grpcHealthCheck(address, 'parley.v1.ChatGateway')).toBe('NOT_SERVING');
    ready = true;
    expect(await until('', 'SERVING')).toBe('SERVING');
    expect(await grpcHealthCheck(address, 'parley.v1.ChatGateway')).toBe('SERVING');
    expect(await grpcHealthCheck(address, 'parley.v1.Other')).toEqual({ code: 5 });
    ready = false;
    expect(await until('parley.v1.ChatGateway', 'NOT_SERVING')).toBe('NOT_SERVING');
    ready = true;
    expect(await until('parley.v1.ChatGateway', 'SERVING')).toBe('SERVING');
  });

  it('NOT_SERVING from the start of shutdown, then the server stops', async () => {
    expect(server.servingStatus).toBe('SERVING');
    await server.beforeApplicationShutdown();
    expect(server.servingStatus).toBe('NOT_SERVING');
    expect(await grpcHealthCheck(address, '')).toEqual({ code: 14 }); // UNAVAILABLE: nobody listens
  });
});
