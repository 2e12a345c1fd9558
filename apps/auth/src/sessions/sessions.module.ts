import { createPublicKey } from 'node:crypto';
import { Module, type DynamicModule } from '@nestjs/common';
import { SessionsRepository } from '@parley/auth/data-access-users';
import { PgDatabase } from '@parley/shared/data-access-postgres';
import { AccessTokenGuard, AccessTokenSigner, AccessTokenVerifier } from '@parley/shared/util-auth';
import { NatsBus } from '@parley/shared/util-nats';
import type { AuthConfig } from '../config/auth.config';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/** Sessions and the access tokens that carry them: signing, verifying, the guard, logout and revocation. */
@Module({})
export class SessionsModule {
  static forRoot(config: Pick<AuthConfig, 'jwt' | 'nats'>): DynamicModule {
    const tokenSettings = {
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      maxAgeSeconds: config.jwt.maxAgeSeconds,
    };
    return {
      module: SessionsModule,
      controllers: [SessionsController],
      providers: [
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
      exports: [SessionsService, AccessTokenSigner, AccessTokenVerifier, AccessTokenGuard],
    };
  }
}
