import { createMessageStoreMigrations, MESSAGE_STORE_SCHEMA } from '@parley/message-store/data-access-messages';
import { runMigrations } from '@parley/shared/data-access-postgres';
import { natsHandlersOnBus, startService } from '@parley/shared/util-service';
import { AppModule } from './app.module';
import { loadMessageStoreConfig, loadMessageStoreEnv } from './config/message-store.config';

export async function bootstrap(env: NodeJS.ProcessEnv = process.env) {
  const config = loadMessageStoreConfig(env);
  return startService({
    name: 'message-store',
    module: AppModule.forRoot(config),
    http: config.http,
    // One connection: handlers, the heads digest and readiness (AppModule's NatsBus).
    nats: natsHandlersOnBus(config.nats, 'message-store'),
    bodyLimit: '16kb',
  });
}

/** `main.js migrate`: applies the message_store schema's migrations and exits. */
export async function migrate(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  // Migrations need no encryption key.
  const e = loadMessageStoreEnv({
    ...env,
    MESSAGE_ENCRYPTION_KEYS: env.MESSAGE_ENCRYPTION_KEYS || 'unused-by-migrations',
  });
  return runMigrations({
    url: e.DATABASE_URL,
    schema: MESSAGE_STORE_SCHEMA,
    migrations: createMessageStoreMigrations({ partitions: e.MESSAGE_PARTITIONS }),
  });
}
