import { startService } from '@parley/shared/util-service';
import { AppModule } from './app.module';
import { loadGatewayConfig } from './config/gateway.config';
import { GatewayIoAdapter } from './realtime/gateway-io.adapter';

export async function bootstrap(env: NodeJS.ProcessEnv = process.env) {
  const config = loadGatewayConfig(env);
  return startService({
    name: 'chat-gateway',
    module: AppModule.forRoot(config),
    http: config.http,
    openApi: {
      title: 'Parley chat-gateway',
      description:
        'Chats, history, receipts and devices over HTTP. The whole client contract, Socket.IO included: docs/protocol.md',
      version: '1',
    },
    // Next-Cursor pages GET /v1/chats: a browser client must be allowed to read it.
    edge: { ...config.edge, corsExposedHeaders: ['Next-Cursor'] },
    bodyLimit: `${config.limits.maxPayloadBytes}b`,
    configure: (app) => {
      app.useWebSocketAdapter(new GatewayIoAdapter(app, config));
    },
  });
}
