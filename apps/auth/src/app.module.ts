import { createPublicKey } from 'node:crypto';
import { natsInboxPrefix } from '@parley/contracts';
import { Module, type DynamicModule } from '@nestjs/common';
import { AUTH_SCHEMA, SessionsRepository, UsersRepository } from '@parley/auth/data-access-users';
import { PgDatabase, PostgresModule, postgresReadiness } from '@parley/shared/data-access-postgres';
import {
  AccessTokenGuard,
  AccessTokenSigner,
  AccessTokenVerifier,
  HTTP_USER_RATE_LIMITS,
} from '@parley/shared/util-auth';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { ServiceCoreModule } from '@parley/shared/util-service';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsService } from './accounts/accounts.service';
import { ClientRateLimitGuard } from './accounts/client-rate-limit.guard';
import { PasswordHasher } from './accounts/password-hasher';
import type { AuthConfig } from './config/auth.config';
import { AuthLimits } from './limits/auth-limits';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { UsersController } from './users/users.controller';
import { UsersHandler } from './users/users.handler';

@Module({})
export class AppModule {
  static forRoot(config: AuthConfig): DynamicModule {
    const tokenSettings = {
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      maxAgeSeconds: config.jwt.maxAgeSeconds,
    };
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
      ],
      controllers: [AccountsController, SessionsController, UsersController, UsersHandler],
      providers: [
        AccountsService,
        // Redis unreachable: the start-up fails here, with its address in the message.
        { provide: AuthLimits, useFactory: () => AuthLimits.connect(config.limits) },
        ClientRateLimitGuard,
        // Per-user HTTP calls count across replicas too.
        { provide: HTTP_USER_RATE_LIMITS, inject: [AuthLimits], useFactory: (limits: AuthLimits) => limits.rates },
        AccessTokenGuard,
        {
          provide: SessionsRepository,
          inject: [PgDatabase],
          useFactory: (db: PgDatabase) => new SessionsRepository(db),
        },
        {
          provide: SessionsService,
          inject: [SessionsRepository, NatsBus, AccessTokenVerifier],
          useFactory: (repo: SessionsRepository, bus: NatsBus, verifier: AccessTokenVerifier) =>
            new SessionsService(repo, bus, verifier, {
              ttlSeconds: config.jwt.ttlSeconds,
              subjectPrefix: config.nats.subjectPrefix,
              streamReplicas: config.nats.streamReplicas,
            }),
        },
        {
          provide: PasswordHasher,
          useValue: new PasswordHasher({ logN: config.password.scryptLogN, concurrency: config.password.concurrency }),
        },
        { provide: UsersRepository, inject: [PgDatabase], useFactory: (db: PgDatabase) => new UsersRepository(db) },
        {
          provide: AccessTokenSigner,
          useFactory: () =>
            AccessTokenSigner.fromPem(config.jwt.privateKeyPem, {
              ...tokenSettings,
              ttlSeconds: config.jwt.ttlSeconds,
            }),
        },
        {
          provide: AccessTokenVerifier,
          useFactory: () =>
            // Its own key, plus any listed in JWT_PUBLIC_KEY: tokens signed before a key rotation stay valid.
            AccessTokenVerifier.fromPem(
              `${createPublicKey(config.jwt.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString()}\n${config.jwt.extraPublicKeysPem}`,
              tokenSettings,
            ),
        },
      ],
    };
  }
}
