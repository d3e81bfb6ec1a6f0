import type { SimConfig } from '../sim-config.js';
import { ZoomApiError } from '../zoom-error.js';

export type RateCategory = 'light' | 'medium' | 'heavy';
export const RATE_CATEGORIES: readonly RateCategory[] = ['light', 'medium', 'heavy'];

export interface CategoryLimit {
  /** Requests accepted in any rolling one-second window. */
  perSecond: number;
  /** Requests accepted per UTC day; `null` = no daily limit (Zoom's paid plans). */
  perDay: number | null;
}

export type CategoryLimits = Record<RateCategory, CategoryLimit>;

/**
 * Zoom's documented per-account budgets. Pro and Business are Zoom's per-second figures. Free: Zoom
 * documents Light 4/s and 6,000/day; Medium 2/s + 2,000/day and Heavy 1/s + 1,000/day are the sim's
 * choice, kept in the same proportion, so a free-plan runner meets daily limits in every category.
 * The runner's PLAN_BUDGETS repeats it on purpose (the sim is our Zoom); plan-rate-tables.test.ts pins both.
 */
export const PLAN_LIMITS: Readonly<Record<SimConfig['plan'], Readonly<CategoryLimits>>> = {
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

export interface LimitsPatch {
  plan?: SimConfig['plan'];
  light?: Partial<CategoryLimit>;
  medium?: Partial<CategoryLimit>;
  heavy?: Partial<CategoryLimit>;
  latencyMs?: number;
}

export interface LimitsView extends CategoryLimits {
  plan: SimConfig['plan'];
  latencyMs: number;
}

/** What a rate-limited route answers with: headers always, and an error when refused. */
export type RateDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; error: ZoomApiError };

const HEADER_CATEGORY: Record<RateCategory, string> = { light: 'Light', medium: 'Medium', heavy: 'Heavy' };
const DAY_MS = 86_400_000;

interface Usage {
  /** Accepted request times within the last second, oldest first. */
  recent: number[];
  /** UTC day number (`floor(ms / DAY_MS)`) that `today` counts. */
  day: number;
  today: number;
}

/**
 * Per-account request budgets by category, as Zoom applies them: shared by every app and token of the
 * account, per rolling second and (free plan) per UTC day. Refused requests do not use up budget (the
 * route counts them in `stats.rateLimited`). Settable at run time through `PUT /_sim/limits`.
 */
export class RateLimiter {
  private current: CategoryLimits;
  private currentPlan: SimConfig['plan'];
  private latency = 0;
  private readonly usage = new Map<RateCategory, Usage>();

  constructor(
    plan: SimConfig['plan'],
    private readonly now: () => number = Date.now,
  ) {
    this.currentPlan = plan;
    this.current = copyLimits(PLAN_LIMITS[plan]);
  }

  get plan(): SimConfig['plan'] {
    return this.currentPlan;
  }

  /** Delay the sim adds before answering each OAuth and REST request. */
  get latencyMs(): number {
    return this.latency;
  }

  view(): LimitsView {
    return { plan: this.currentPlan, ...copyLimits(this.current), latencyMs: this.latency };
  }

  /**
   * `plan` first resets every category to that plan's defaults; the other fields then apply on top.
   * A category whose limits are set starts counting afresh (per second and per day), so a test that
   * sets `perDay: 2` gets exactly two more requests whatever ran before it.
   */
  set(patch: LimitsPatch): LimitsView {
    if (patch.plan) {
      this.currentPlan = patch.plan;
      this.current = copyLimits(PLAN_LIMITS[patch.plan]);
      this.usage.clear();
    }
    for (const category of RATE_CATEGORIES) {
      const given = patch[category];
      if (given) {
        this.current[category] = { ...this.current[category], ...given };
        this.usage.delete(category);
      }
    }
    if (patch.latencyMs !== undefined) this.latency = patch.latencyMs;
    return this.view();
  }

  /** Counts one request in `category`, or refuses it with Zoom's 429. */
  take(category: RateCategory): RateDecision {
    const now = this.now();
    const limit = this.current[category];
    const usage = this.usageOf(category, now);
    const label = HEADER_CATEGORY[category];

    if (limit.perDay !== null && usage.today >= limit.perDay) {
      const headers = {
        'X-RateLimit-Category': label,
        'X-RateLimit-Type': 'Daily-limit',
        'X-RateLimit-Limit': String(limit.perDay),
        'X-RateLimit-Remaining': '0',
        'Retry-After': nextUtcMidnight(now),
      };
      return this.refuse(
        headers,
        `You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.`,
      );
    }
    if (usage.recent.length >= limit.perSecond) {
      const oldest = usage.recent[0] ?? now;
      const headers = {
        'X-RateLimit-Category': label,
        'X-RateLimit-Type': 'QPS',
        'X-RateLimit-Limit': String(limit.perSecond),
        'X-RateLimit-Remaining': '0',
        // Whole seconds, as Zoom sends; never 0, which clients read as "retry at once".
        'Retry-After': String(Math.max(1, Math.ceil((oldest + 1000 - now) / 1000))),
      };
      return this.refuse(
        headers,
        'You have reached the maximum per-second rate limit for this API. Try again later.',
      );
    }

    usage.recent.push(now);
    usage.today += 1;
    // With a daily limit the daily budget is what a client must plan around, so the headers report it
    // (as Zoom does on free accounts); otherwise they report the per-second window.
    const headers =
      limit.perDay !== null
        ? {
            'X-RateLimit-Category': label,
            'X-RateLimit-Type': 'Daily-limit',
            'X-RateLimit-Limit': String(limit.perDay),
            'X-RateLimit-Remaining': String(Math.max(0, limit.perDay - usage.today)),
          }
        : {
            'X-RateLimit-Category': label,
            'X-RateLimit-Type': 'QPS',
            'X-RateLimit-Limit': String(limit.perSecond),
            'X-RateLimit-Remaining': String(Math.max(0, limit.perSecond - usage.recent.length)),
          };
    return { allowed: true, headers };
  }

  private refuse(headers: Record<string, string>, message: string): RateDecision {
    return { allowed: false, headers, error: new ZoomApiError(429, { code: 429, message }, headers) };
  }

  private usageOf(category: RateCategory, now: number): Usage {
    const day = Math.floor(now / DAY_MS);
    let usage = this.usage.get(category);
    if (!usage) {
      usage = { recent: [], day, today: 0 };
      this.usage.set(category, usage);
    }
    if (usage.day !== day) {
      usage.day = day;
      usage.today = 0;
    }
    while (usage.recent.length > 0 && (usage.recent[0] ?? now) <= now - 1000) usage.recent.shift();
    return usage;
  }
}

function copyLimits(limits: Readonly<CategoryLimits>): CategoryLimits {
  return { light: { ...limits.light }, medium: { ...limits.medium }, heavy: { ...limits.heavy } };
}

/** `2026-05-31T00:00:00Z`: the form of Zoom's absolute `Retry-After` for daily limits. */
function nextUtcMidnight(now: number): string {
  const next = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  return new Date(next).toISOString().replace('.000Z', 'Z');
}
