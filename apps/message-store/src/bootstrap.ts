import { createMessageStoreMigrations, MESSAGE_STORE_SCHEMA } from '@parley/message-store/data-access-messages';
import { runMigrations } from '@parley/shared/data-access-postgres';
import { startService } from '@parley/shared/util-service';
import { AppModule } from './app.module';
import { loadMessageStoreConfig, loadMessageStoreEnv } from './config/message-store.config';

export async function bootstrap(env: NodeJS.ProcessEnv = process.env) {
  const config = loadMessageStoreConfig(env);
  return startService({
    name: 'message-store',
    module: AppModule.forRoot(config),
    host: config.http.host,
    port: config.http.port,
    nats: {
      url: config.nats.url,
      queue: 'message-store',
      subjectPrefix: config.nats.subjectPrefix,
      user: config.nats.user,
      pass: config.nats.pass,
      // One connection: handlers, the heads digest and readiness (AppModule's NatsBus).
      onBusConnection: true,
    },
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
