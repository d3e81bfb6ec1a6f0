import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * A budget of `points` per window for each key, fleet-wide: one counter per key in Redis
 * (rate-limiter-flexible's `RateLimiterRedis`, counted by one Lua script), so every process spends the
 * same budget. Used for each tenant's enqueues (a one-second window) and each bot's chat messages (a
 * one-minute window). Callers of one key with different budgets share the counter, each measured
 * against its own budget.
 */
export class RateBudget {
  /** One limiter per budget in use (the points are part of a limiter's options, the key is not). */
  private readonly limiters = new Map<number, RateLimiterRedis>();

  constructor(private readonly options: { redis: Redis; keyPrefix: string; windowSec: number }) {}

  /** Takes one from `key`'s budget of `points` per window. Redis errors are thrown, not allowed. */
  async take(key: string, points: number): Promise<RateDecision> {
    try {
      await this.limiter(points).consume(key);
      return { allowed: true };
    } catch (error) {
      if (error instanceof RateLimiterRes) return { allowed: false, retryAfterMs: error.msBeforeNext };
      throw error;
    }
  }

  private limiter(points: number): RateLimiterRedis {
    let limiter = this.limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.options.redis,
        keyPrefix: this.options.keyPrefix,
        points,
        duration: this.options.windowSec,
        // A key over its budget is refused by this process from memory until the window ends,
        // without asking Redis again: a flood costs Redis one command per process per window.
        inMemoryBlockOnConsumed: points + 1,
      });
      this.limiters.set(points, limiter);
    }
    return limiter;
  }
}

/** Whole seconds for `Retry-After` (at least 1). */
export function retryAfterSec(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}
