import { natsInboxPrefix } from '@parley/contracts';
import { Module, type DynamicModule } from '@nestjs/common';
import { AUTH_SCHEMA } from '@parley/auth/data-access-users';
import { PgDatabase, PostgresModule, postgresReadiness } from '@parley/shared/data-access-postgres';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { ServiceCoreModule } from '@parley/shared/util-service';
import { AccountsModule } from './accounts/accounts.module';
import type { AuthConfig } from './config/auth.config';
import { LimitsModule } from './limits/limits.module';
import { SessionsModule } from './sessions/sessions.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: AuthConfig): DynamicModule {
    const sessions = SessionsModule.forRoot(config);
    const users = UsersModule.forRoot(sessions);
    return {
      module: AppModule,
      imports: [
        PostgresModule.forRoot({
          url: config.database.url,
          schema: AUTH_SCHEMA,
          poolSize: config.database.poolSize,
          timeouts: config.database.timeouts,
          applicationName: 'parley-auth',
        }),
        // auth's one NATS connection; its handlers serve on it too (bootstrap: onBusConnection).
        NatsBusModule.forRoot({
          url: config.nats.url,
          name: 'auth',
          requestTimeoutMs: 5000,
          subjectPrefix: config.nats.subjectPrefix,
          user: config.nats.user,
          pass: config.nats.pass,
          inboxPrefix: natsInboxPrefix('auth'),
        }),
        ServiceCoreModule.forRoot({
          name: 'auth',
          logLevel: config.logLevel,
          readiness: {
            inject: [PgDatabase, NatsBus],
            useFactory: (db: PgDatabase, bus: NatsBus) => [postgresReadiness(db), bus.readiness()],
          },
        }),
        LimitsModule.forRoot(config.limits),
        sessions,
        users,
        AccountsModule.forRoot(config, sessions, users),
      ],
    };
  }
}
