import { natsHandlersOnBus, startService } from '@parley/shared/util-service';
import { AppModule } from './app.module';
import { loadPresenceConfig } from './config/presence.config';
import { connectPresenceRedis } from './redis/redis.connection';

/**
 * Starts presence: HTTP (health, metrics) and the NATS handlers of the `presence`
 * queue group. Redis is connected first and NATS while the app is built (NatsBusModule),
 * so an unreachable one fails the start-up at once with a clear message instead of a
 * service that hangs "starting".
 */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env) {
  const config = loadPresenceConfig(env);
  const redis = await connectPresenceRedis({ ...config.redis, name: 'parley-presence' });
  try {
    return await startService({
      name: 'presence',
      module: AppModule.forRoot(config, { redis }),
      http: config.http,
      // One connection: handlers, presence events and readiness (AppModule's NatsBus).
      nats: natsHandlersOnBus(config.nats, 'presence'),
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}
