import { AUTH_SCHEMA, authMigrations } from '@parley/auth/data-access-users';
import { runMigrations } from '@parley/shared/data-access-postgres';
import { loadEnv } from '@parley/shared/util-config';
import { natsHandlersOnBus, startService } from '@parley/shared/util-service';
import { AppModule } from './app.module';
import { AuthEnv, loadAuthConfig } from './config/auth.config';

export async function bootstrap(env: NodeJS.ProcessEnv = process.env) {
  const config = loadAuthConfig(env);
  return startService({
    name: 'auth',
    module: AppModule.forRoot(config),
    http: config.http,
    edge: config.http.edge,
    openApi: { title: 'Parley auth', description: 'Accounts and access tokens (docs/protocol.md)', version: '1' },
    bodyLimit: '16kb',
    // One connection: handlers, revocations and readiness (AppModule's NatsBus).
    nats: natsHandlersOnBus(config.nats, 'auth'),
  });
}

/** `main.js migrate`: applies the auth schema's migrations and exits. */
export async function migrate(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const e = loadEnv('auth', AuthEnv, { ...env, JWT_PRIVATE_KEY: env.JWT_PRIVATE_KEY ?? 'unused-by-migrations' });
  return runMigrations({ url: e.DATABASE_URL, schema: AUTH_SCHEMA, migrations: authMigrations });
}
