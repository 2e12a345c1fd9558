import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ParleyError } from '@parley/contracts';
import {
  ConcurrencyLimit,
  connectRateLimitRedis,
  KeyedConcurrencyLimit,
  UserRateLimits,
} from '@parley/shared/util-rate-limit';
import { closeRedis, type RedisClient } from '@parley/shared/util-redis';
import type { GatewayConfig, GatewayRateLimitName } from '../config/gateway.config';
import type { SecurityMetrics } from './security.metrics';

/**
 * Every limit of this gateway in one place (docs/operations.md, "Limits"):
 * - `rates`: per-user rate limits, counted in Redis so they hold across replicas;
 * - `replays`: replays on connect running at once here, with a bounded line;
 * - history reads (HTTP pages, gap fills) running at once per user here, with a bounded line.
 */
export class GatewayLimits implements OnApplicationShutdown {
  private readonly logger = new Logger(GatewayLimits.name);
  private lastStoreWarning = 0;
  readonly rates: UserRateLimits<GatewayRateLimitName>;
  readonly replays: ConcurrencyLimit;
  private readonly historyReads: KeyedConcurrencyLimit;

  constructor(
    config: GatewayConfig['limits'],
    private readonly metrics: SecurityMetrics,
    private readonly redis?: RedisClient,
  ) {
    this.rates = new UserRateLimits(config.rates, {
      redis,
      keyPrefix: config.redis.keyPrefix,
      onStoreFailure: (name) => this.storeFailed(name),
    });
    this.replays = new ConcurrencyLimit(config.replays.concurrency, config.replays.maxWaiting);
    this.historyReads = new KeyedConcurrencyLimit(
      config.historyReadsPerUser.concurrency,
      config.historyReadsPerUser.maxWaiting,
    );
  }

  static async connect(
    config: GatewayConfig['limits'],
    instanceId: string,
    metrics: SecurityMetrics,
  ): Promise<GatewayLimits> {
    const redis = await connectRateLimitRedis({
      url: config.redis.url,
      clusterNodes: config.redis.clusterNodes,
      name: `chat-gateway:${instanceId}:rate-limits`,
      commandTimeoutMs: config.redis.timeoutMs,
    });
    return new GatewayLimits(config, metrics, redis);
  }

  /** Takes one `name` event of the user; throws `rate_limited` past the limit. */
  async take(name: GatewayRateLimitName, userId: string): Promise<void> {
    if (await this.rates.tryTake(name, userId)) return;
    this.metrics.rejected.inc({ reason: `${name}_rate` });
    throw new ParleyError('rate_limited', `too many ${name} requests; slow down`);
  }

  /** One history read of the user: waits for a free slot; `rate_limited` when too many already wait. */
  readHistory<T>(userId: string, read: () => Promise<T>): Promise<T> {
    return this.historyReads.run(userId, read, () => {
      this.metrics.rejected.inc({ reason: 'history_reads' });
      return new ParleyError('rate_limited', 'too many history reads at once; slow down');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }

  private storeFailed(name: string): void {
    this.metrics.rateLimitStoreFailures.inc();
    // At most one line a minute: during an outage every event comes here.
    if (Date.now() - this.lastStoreWarning < 60_000) return;
    this.lastStoreWarning = Date.now();
    this.logger.warn(
      { limit: name, redis: this.redis?.status },
      'rate limit store failed; this gateway counts alone for now',
    );
  }
}
