import { NatsBus } from '@parley/shared/util-nats';
import { startService } from '@parley/shared/util-service';
import { AppModule } from './app.module';
import { loadPresenceConfig } from './config/presence.config';
import { connectPresenceRedis } from './redis/redis.connection';

/**
 * Starts presence: HTTP (health, metrics) and the NATS handlers of the `presence`
 * queue group. Redis and NATS are connected first, so an unreachable one fails the
 * start-up at once with a clear message instead of a service that hangs "starting".
 */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env) {
  const config = loadPresenceConfig(env);
  const redis = await connectPresenceRedis({ url: config.redis.url, name: 'parley-presence' });
  let bus: NatsBus | undefined;
  try {
    bus = await NatsBus.connect({
      url: config.nats.url,
      name: 'presence',
      requestTimeoutMs: 5000,
      subjectPrefix: config.nats.subjectPrefix,
      user: config.nats.user,
      pass: config.nats.pass,
    });
    bus.watchStatus();
    return await startService({
      name: 'presence',
      module: AppModule.forRoot(config, { redis, bus }),
      host: config.http.host,
      port: config.http.port,
      nats: {
        url: config.nats.url,
        queue: 'presence',
        subjectPrefix: config.nats.subjectPrefix,
        user: config.nats.user,
        pass: config.nats.pass,
      },
    });
  } catch (err) {
    await bus?.drain().catch(() => undefined);
    redis.disconnect();
    throw err;
  }
}
