import { createPublicKey } from 'node:crypto';
import { natsInboxPrefix } from '@parley/contracts';
import { Module, type DynamicModule } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { AUTH_SCHEMA, authEntities, UsersRepository } from '@parley/auth/data-access-users';
import { postgresOptions, postgresReadiness } from '@parley/shared/data-access-postgres';
import { AccessTokenGuard, AccessTokenSigner, AccessTokenVerifier, HTTP_RATE_LIMIT } from '@parley/shared/util-auth';
import { NatsBus, NatsBusModule } from '@parley/shared/util-nats';
import { ServiceCoreModule } from '@parley/shared/util-service';
import type { DataSource } from 'typeorm';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsService } from './accounts/accounts.service';
import { LoginThrottlerGuard } from './accounts/login-throttler.guard';
import { PasswordHasher } from './accounts/password-hasher';
import type { AuthConfig } from './config/auth.config';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { UsersController } from './users/users.controller';
import { UsersHandler } from './users/users.handler';

@Module({})
export class AppModule {
  static forRoot(config: AuthConfig): DynamicModule {
    const tokenSettings = { issuer: config.jwt.issuer, audience: config.jwt.audience };
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          ...postgresOptions({
            url: config.database.url,
            schema: AUTH_SCHEMA,
            entities: authEntities,
            poolSize: config.database.poolSize,
            timeouts: config.database.timeouts,
            applicationName: 'parley-auth',
          }),
          retryAttempts: 2,
          retryDelay: 1000,
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
        ThrottlerModule.forRoot({ throttlers: [{ name: 'login', ttl: 60_000, limit: config.limits.loginAttemptsPerMinute }] }),
        ServiceCoreModule.forRoot({
          name: 'auth',
          logLevel: config.logLevel,
          readiness: {
            inject: [getDataSourceToken(), NatsBus],
            useFactory: (ds: DataSource, bus: NatsBus) => [postgresReadiness(ds), bus.readiness()],
          },
        }),
      ],
      controllers: [AccountsController, SessionsController, UsersController, UsersHandler],
      providers: [
        AccountsService,
        LoginThrottlerGuard,
        AccessTokenGuard,
        { provide: HTTP_RATE_LIMIT, useValue: config.limits.http },
        { provide: SessionsRepository, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new SessionsRepository(ds) },
        {
          provide: SessionsService,
          inject: [SessionsRepository, NatsBus, AccessTokenVerifier],
          useFactory: (repo: SessionsRepository, bus: NatsBus, verifier: AccessTokenVerifier) =>
            new SessionsService(repo, bus, verifier, { ttlSeconds: config.jwt.ttlSeconds, subjectPrefix: config.nats.subjectPrefix }),
        },
        { provide: PasswordHasher, useValue: new PasswordHasher(config.password.scryptLogN) },
        { provide: UsersRepository, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new UsersRepository(ds) },
        {
          provide: AccessTokenSigner,
          useFactory: () => AccessTokenSigner.fromPem(config.jwt.privateKeyPem, { ...tokenSettings, ttlSeconds: config.jwt.ttlSeconds }),
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
