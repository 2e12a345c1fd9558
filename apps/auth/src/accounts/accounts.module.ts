import { Module, type DynamicModule } from '@nestjs/common';
import type { AuthConfig } from '../config/auth.config';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { ClientRateLimitGuard } from './client-rate-limit.guard';
import { PasswordHasher } from './password-hasher';

/** Registration and login: password hashing, per-client limits, a session and its token. */
@Module({})
export class AccountsModule {
  /** `sessions` and `users`: SessionsModule.forRoot and UsersModule.forRoot, whose exports accounts use. */
  static forRoot(config: Pick<AuthConfig, 'password'>, sessions: DynamicModule, users: DynamicModule): DynamicModule {
    return {
      module: AccountsModule,
      imports: [sessions, users],
      controllers: [AccountsController],
      providers: [
        AccountsService,
        ClientRateLimitGuard,
        {
          provide: PasswordHasher,
          useValue: new PasswordHasher({ logN: config.password.scryptLogN, concurrency: config.password.concurrency }),
        },
      ],
    };
  }
}
