import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AccessTokenGuard, AccessTokenVerifier, HTTP_USER_RATE_LIMITS } from '@parley/shared/util-auth';
import type { GatewayConfig } from '../config/gateway.config';
import { GatewayLimits } from './gateway-limits';
import { SecurityMetrics, securityMetricProviders } from './security.metrics';

/** Access tokens (verifier and HTTP guard), per-user limits shared by every edge, and their metrics. */
@Global()
@Module({})
export class SecurityModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: SecurityModule,
      providers: [
        {
          provide: AccessTokenVerifier,
          useFactory: () =>
            AccessTokenVerifier.fromPem(config.jwt.publicKeyPem, {
              issuer: config.jwt.issuer,
              audience: config.jwt.audience,
              maxAgeSeconds: config.jwt.maxAgeSeconds,
            }),
        },
        ...securityMetricProviders,
        SecurityMetrics,
        {
          provide: GatewayLimits,
          inject: [SecurityMetrics],
          useFactory: (metrics: SecurityMetrics) => GatewayLimits.connect(config.limits, config.instanceId, metrics),
        },
        // HTTP requests count per user across replicas too.
        {
          provide: HTTP_USER_RATE_LIMITS,
          inject: [GatewayLimits],
          useFactory: (limits: GatewayLimits) => limits.rates,
        },
        AccessTokenGuard,
      ],
      exports: [AccessTokenVerifier, SecurityMetrics, GatewayLimits, HTTP_USER_RATE_LIMITS, AccessTokenGuard],
    };
  }
}
