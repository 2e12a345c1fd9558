import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { connectRateLimitRedis, UserRateLimits } from '@parley/shared/util-rate-limit';
import type { RedisClient } from '@parley/shared/util-redis';
import type { AuthConfig, AuthRateLimitName } from '../config/auth.config';

/**
 * auth's rate limits (docs/protocol.md, "Rate limits and sizes"), counted in Redis so they
 * hold across replicas: `login` per (client address, username), `register` per client
 * address, `http` per user. While Redis is unreachable each replica counts alone.
 */
export class AuthLimits implements OnApplicationShutdown {
  private readonly logger = new Logger(AuthLimits.name);
  private lastStoreWarning = 0;
  readonly rates: UserRateLimits<AuthRateLimitName>;

  constructor(
    config: AuthConfig['limits'],
    private readonly redis?: RedisClient,
  ) {
    this.rates = new UserRateLimits(config.rates, {
      redis,
      keyPrefix: config.redis.keyPrefix,
      onStoreFailure: (name) => this.storeFailed(name),
    });
  }

  /** Fails at once when Redis is unreachable: a wrong REDIS_URL is found at start-up. */
  static async connect(config: AuthConfig['limits']): Promise<AuthLimits> {
    const redis = await connectRateLimitRedis({ ...config.redis, name: 'auth:rate-limits' });
    return new AuthLimits(config, redis);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.redis || this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis?.disconnect());
  }

  private storeFailed(name: string): void {
    // At most one line a minute: during an outage every attempt comes here.
    if (Date.now() - this.lastStoreWarning < 60_000) return;
    this.lastStoreWarning = Date.now();
    this.logger.warn(
      { limit: name, redis: this.redis?.status },
      'rate limit store failed; this replica counts alone for now',
    );
  }
}
