import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Each tenant's enqueue rate, fleet-wide: one counter per tenant in Redis (rate-limiter-flexible's
 * `RateLimiterRedis`, a one-second window counted by one Lua script), so every api process and
 * producer spends the same budget. Keys of one tenant with different rates share the counter, each
 * measured against its own rate.
 */
export class EnqueueRateLimiter {
  /** One limiter per rate in use (the rate is part of a limiter's options, the tenant its key). */
  private readonly limiters = new Map<number, RateLimiterRedis>();

  constructor(private readonly options: { redis: Redis; prefix: string }) {}

  /** Takes one enqueue from `tenant`'s budget of `ratePerSec`. Redis errors are thrown, not allowed. */
  async take(tenant: string, ratePerSec: number): Promise<RateDecision> {
    try {
      await this.limiter(ratePerSec).consume(tenant);
      return { allowed: true };
    } catch (error) {
      if (error instanceof RateLimiterRes) return { allowed: false, retryAfterMs: error.msBeforeNext };
      throw error;
    }
  }

  private limiter(ratePerSec: number): RateLimiterRedis {
    let limiter = this.limiters.get(ratePerSec);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.options.redis,
        keyPrefix: `${this.options.prefix}:rate:enqueue`,
        points: ratePerSec,
        duration: 1,
        // A tenant over its rate is refused by this process from memory until the window ends,
        // without asking Redis again: a flood costs Redis one command per process per second.
        inMemoryBlockOnConsumed: ratePerSec + 1,
      });
      this.limiters.set(ratePerSec, limiter);
    }
    return limiter;
  }
}
