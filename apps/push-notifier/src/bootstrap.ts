import { PUSH_SCHEMA, pushMigrations } from '@parley/push-notifier/data-access-devices';
import { runMigrations } from '@parley/shared/data-access-postgres';
import { closeRedis, connectRedis } from '@parley/shared/util-redis';
import { natsHandlersOnBus, startService } from '@parley/shared/util-service';
import { AppModule } from './app.module';
import { loadPushNotifierConfig } from './config/push-notifier.config';
import { PUSH_NOTIFIER_QUEUE, SERVICE_NAME } from './push-notifier.constants';
import type { MessagingClient } from './push/firebase-push-sender';
import { assertNoEviction } from './redis/redis.connection';

export interface BootstrapOptions {
  /**
   * Stands in for firebase-admin's Messaging (tests): everything above it, the
   * FirebasePushSender included, is the real code.
   */
  messaging?: MessagingClient;
}

export async function bootstrap(env: NodeJS.ProcessEnv = process.env, options: BootstrapOptions = {}) {
  const config = loadPushNotifierConfig(env);
  // Checked before anything else opens: a Redis that may evict queued jobs is refused.
  const redis = await connectRedis({ ...config.redis, name: SERVICE_NAME });
  try {
    await assertNoEviction(redis, config.redis);
    return await startService({
      name: SERVICE_NAME,
      module: AppModule.forRoot(config, { redis, messaging: options.messaging }),
      http: config.http,
      // One connection: handlers, the presence listener and readiness (AppModule's NatsBus).
      nats: natsHandlersOnBus(config.nats, PUSH_NOTIFIER_QUEUE),
    });
  } catch (err) {
    await closeRedis(redis);
    throw err;
  }
}

/** `main.js migrate`: applies the push schema's migrations and exits. */
export async function migrate(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const config = loadPushNotifierConfig(env);
  return runMigrations({ url: config.database.url, schema: PUSH_SCHEMA, migrations: pushMigrations });
}
