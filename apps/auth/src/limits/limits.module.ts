import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HTTP_USER_RATE_LIMITS } from '@parley/shared/util-auth';
import type { AuthConfig } from '../config/auth.config';
import { AuthLimits } from './auth-limits';

/**
 * The limits every feature counts against, shared through Redis across replicas: per client
 * address (login, registration) and per user (HTTP calls: the access-token guard reads
 * HTTP_USER_RATE_LIMITS). Global, so every feature's guards find them.
 */
@Global()
@Module({})
export class LimitsModule {
  static forRoot(limits: AuthConfig['limits']): DynamicModule {
    return {
      module: LimitsModule,
      providers: [
        // Redis unreachable: the start-up fails here, with its address in the message.
        { provide: AuthLimits, useFactory: () => AuthLimits.connect(limits) },
        { provide: HTTP_USER_RATE_LIMITS, inject: [AuthLimits], useFactory: (l: AuthLimits) => l.rates },
      ],
      exports: [AuthLimits, HTTP_USER_RATE_LIMITS],
    };
  }
}
