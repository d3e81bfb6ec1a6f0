import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { evalScript } from '../redis/eval-script.js';
import { ZoomDailyLimitError } from './zoom-errors.js';

export type RateCategory = 'light' | 'medium' | 'heavy';
export type ZoomPlan = 'free' | 'pro' | 'business';

interface CategoryBudget {
  perSecond: number;
  /** `null`: no daily cap (paid plans). */
  perDay: number | null;
}

/**
 * Zoom's documented per-account budgets (docs/zoom.md §2). Free Medium/Heavy are not documented:
 * 2/s and 1/s with 2,000 and 1,000 a day keep Light's proportion (the sim uses the same).
 * zoom-sim's PLAN_LIMITS repeats it on purpose (the sim is our Zoom); plan-rate-tables.test.ts pins both.
 */
export const PLAN_BUDGETS: Readonly<Record<ZoomPlan, Readonly<Record<RateCategory, CategoryBudget>>>> = {
  free: {
    light: { perSecond: 4, perDay: 6000 },
    medium: { perSecond: 2, perDay: 2000 },
    heavy: { perSecond: 1, perDay: 1000 },
  },
  pro: {
    light: { perSecond: 30, perDay: null },
    medium: { perSecond: 20, perDay: null },
    heavy: { perSecond: 10, perDay: null },
  },
  business: {
    light: { perSecond: 80, perDay: null },
    medium: { perSecond: 60, perDay: null },
    heavy: { perSecond: 40, perDay: null },
  },
};

/**
 * Sliding one-second log per category, in one script so every process of the fleet sees one budget.
 * Zoom counts "requests in any rolling second", so a fixed per-second window would let twice the
 * budget through across a boundary; a log of request times (Redis TIME, so process clocks don't
 * matter) does not. Also honours a fleet-wide pause set after a 429 and a "daily spent" marker.
 * Returns {0} when a slot was taken, {1, waitMs} to wait, {2, msUntilReset} when the day is spent.
 */
const TAKE_SCRIPT = `
local pausedMs = redis.call('PTTL', KEYS[2])
local spentMs = redis.call('PTTL', KEYS[3])
if spentMs > 0 then return {2, spentMs} end
if pausedMs > 0 then return {1, pausedMs} end
local limit = tonumber(ARGV[1])
local windowUs = tonumber(ARGV[2])
local dayLimit = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if dayLimit > 0 then
  local used = tonumber(redis.call('GET', KEYS[4]) or '0')
  if used >= dayLimit then
    local msLeft = (86400 - (tonumber(t[1]) % 86400)) * 1000
    redis.call('SET', KEYS[3], '1', 'PX', msLeft)
    return {2, msLeft}
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowUs)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(windowUs / 1000) + 1000)
  if dayLimit > 0 then
    redis.call('INCR', KEYS[4])
    redis.call('EXPIRE', KEYS[4], 90000)
  end
  return {0, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local waitUs = tonumber(oldest[2]) + windowUs - now
return {1, math.max(1, math.ceil(waitUs / 1000))}
`;

export interface RateBudgetOptions {
  redis: Redis;
  prefix: string;
  plan: ZoomPlan;
  /**
   * Added to the one-second window: our clock starts when Redis grants the slot, Zoom's when the request
   * lands, so requests sent on the edge of a window can land inside the previous one. 150 ms by
   * default: at a cold start slots are granted before a process has its token and connection, and
   * with 50 ms those late requests overlapped the next window's (17 429s in `npm run bench -- zoom-api`;
   * none at 150 ms, at 1.11× the rate-limit floor).
   */
  marginMs?: number;
  /** Upper bound on one wait, so a stuck pause key cannot hold a join forever. */
  maxWaitMs?: number;
  logger?: Logger;
}

export interface RateLimitAnswer {
  /** `X-RateLimit-Type`: `QPS` or `Daily-limit`. */
  type: string | undefined;
  /** `Retry-After`, already turned into milliseconds from now. */
  retryAfterMs: number | undefined;
}

/** Fleet-wide token budget for Zoom's REST API per rate category (`ZOOM_PLAN`). Waits, never fails, for
 * per-second budget; fails at once with `ZoomDailyLimitError` when the day's budget is spent. */
/** See `RateBudgetOptions.marginMs`. */
export const DEFAULT_RATE_MARGIN_MS = 150;

export class RateBudget {
  private readonly marginMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: RateBudgetOptions) {
    this.marginMs = options.marginMs ?? DEFAULT_RATE_MARGIN_MS;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
  }

  private keys(category: RateCategory): string[] {
    const base = `${this.options.prefix}:zoom:rate:${category}`;
    const day = Math.floor(Date.now() / 86_400_000);
    return [`${base}:window`, `${base}:paused`, `${base}:day-spent`, `${base}:day:${day}`];
  }

  /** Waits for a slot in `category`'s budget and takes it. */
  async take(category: RateCategory): Promise<void> {
    const budget = PLAN_BUDGETS[this.options.plan][category];
    for (;;) {
      const [status, ms] = (await evalScript(
        this.options.redis,
        TAKE_SCRIPT,
        4,
        ...this.keys(category),
        budget.perSecond,
        (1000 + this.marginMs) * 1000,
        randomUUID(),
        budget.perDay ?? 0,
      )) as [number, number];
      if (status === 0) return;
      if (status === 2) {
        throw new ZoomDailyLimitError(`Zoom's daily ${category} API budget for this account is spent`, {
          retryAt: new Date(Date.now() + ms),
          category,
        });
      }
      await sleep(Math.min(ms, this.maxWaitMs));
    }
  }

  /**
   * Records Zoom's 429 so every process stops: a per-second refusal pauses the category for
   * `Retry-After`; a daily one marks the category spent until Zoom's reset time.
   */
  async onRateLimited(category: RateCategory, answer: RateLimitAnswer): Promise<{ daily: boolean }> {
    const [, pausedKey, spentKey] = this.keys(category);
    const daily = answer.type?.toLowerCase() === 'daily-limit';
    if (daily) {
      const ms = Math.max(1000, answer.retryAfterMs ?? msUntilUtcMidnight());
      await this.options.redis.set(spentKey as string, '1', 'PX', Math.ceil(ms));
    } else {
      const ms = Math.max(100, Math.min(answer.retryAfterMs ?? 1000, this.maxWaitMs));
      // NX-less SET: a later 429 may only lengthen the pause in practice, since Retry-After counts from now.
      await this.options.redis.set(pausedKey as string, '1', 'PX', Math.ceil(ms));
    }
    this.options.logger?.warn({ category, daily, retryAfterMs: answer.retryAfterMs }, 'zoom rate limited');
    return { daily };
  }
}

/** `Retry-After` as milliseconds from `now`: whole seconds, or an HTTP/ISO date (Zoom sends both). */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function msUntilUtcMidnight(now: number = Date.now()): number {
  return 86_400_000 - (now % 86_400_000);
}
