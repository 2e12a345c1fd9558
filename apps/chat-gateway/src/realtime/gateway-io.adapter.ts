import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import type { GatewayConfig } from '../config/gateway.config';

/** Socket.IO server options from config (Nest's decorator options are static). */
export class GatewayIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: GatewayConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.corsOrigins;
    return super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      transports: ['polling', 'websocket'],
      maxHttpBufferSize: this.config.limits.maxPayloadBytes,
      perMessageDeflate: false,
      httpCompression: false,
      pingInterval: this.config.socket.pingIntervalMs,
      pingTimeout: this.config.socket.pingTimeoutMs,
      connectTimeout: 10_000,
      cors: { origin: origins === '*' ? true : origins, credentials: true },
      allowRequest: (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => {
        const origin = req.headers.origin;
        callback(null, origins === '*' || !origin || origins.includes(origin));
      },
    }) as Server;
  }
}
