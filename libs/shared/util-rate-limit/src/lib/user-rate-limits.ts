import type { RedisClient } from '@parley/shared/util-redis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** A limit as operators write it: `perSecond` sustained, bursts of `burst`. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/**
 * rate-limiter-flexible counts points in fixed windows of whole seconds. A token bucket of
 * `perSecond` with bursts of `burst` becomes `burst` events per `burst / perSecond` seconds
 * (rounded, at least 1): the same sustained rate and the same burst, except that two full
 * bursts can meet at a window's edge.
 */
export function toFixedWindow(limit: RateLimit): { points: number; durationSeconds: number } {
  return { points: limit.burst, durationSeconds: Math.max(1, Math.round(limit.burst / limit.perSecond)) };
}

export interface UserRateLimitsOptions {
  /**
   * Counters live here, so a user's budget is shared by every replica. Without it the
   * counters are this process's only (a service with one replica, or tests).
   */
  redis?: RedisClient;
  /** Put before every Redis key (`<prefix><limit name>:<user id>`). */
  keyPrefix: string;
  /** Redis failed or was not ready: this process's own counters answered instead. */
  onStoreFailure?: (limitName: string) => void;
}

/**
 * Every per-user rate limit of a service, by name (`send`, `typing`, ...). One call per event:
 * `await limits.tryTake('send', userId)`; false means answer `rate_limited`.
 *
 * With Redis: the first over-limit event of a window blocks the user in this process until
 * the window ends, so a flood is refused without a Redis round trip; and when Redis is down
 * or not ready, an in-memory limiter of the same size answers (limits per replica for a
 * while, instead of failed events).
 */
export class UserRateLimits<Name extends string> {
  private readonly limiters = new Map<Name, RateLimiterAbstract>();

  constructor(limits: Record<Name, RateLimit>, options: UserRateLimitsOptions) {
    for (const name of Object.keys(limits) as Name[]) {
      const { points, durationSeconds: duration } = toFixedWindow(limits[name]);
      const keyPrefix = `${options.keyPrefix}${name}`;
      if (!options.redis) {
        this.limiters.set(name, new RateLimiterMemory({ points, duration, keyPrefix }));
        continue;
      }
      const onStoreFailure = options.onStoreFailure;
      this.limiters.set(
        name,
        new RateLimiterRedis({
          storeClient: options.redis,
          points,
          duration,
          keyPrefix,
          // Reaching the limit blocks the key here until its window ends (no inMemoryBlockDuration:
          // the block lasts exactly the window's remaining time Redis reported).
          inMemoryBlockOnConsumed: points,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new InsuranceLimiter({ points, duration, keyPrefix }, () => onStoreFailure?.(name)),
        }),
      );
    }
  }

  /** Takes one event of `name` for `userId`: false when over the limit. */
  async tryTake(name: Name, userId: string): Promise<boolean> {
    return (await this.take(name, userId)).allowed;
  }

  /**
   * Takes one event of `name` for `key` (a user id, a client address): refused with the
   * whole seconds until the key's window ends (an HTTP Retry-After).
   */
  async take(name: Name, key: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
    const limiter = this.limiters.get(name);
    if (!limiter) throw new Error(`no rate limit named ${name}`);
    try {
      await limiter.consume(key);
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes)
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      throw rejection;
    }
  }
}

/** The insurance limiter, telling someone each time it answers (Redis failed). */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: { points: number; duration: number; keyPrefix: string },
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(
    key: string | number,
    points?: number,
    options?: { [key: string]: unknown },
  ): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}
