import type { DropKind } from '../../shared/meeting-event-bounds.js';

export interface Rate {
  /** Events per second, sustained. */
  perSecond: number;
  /** Events allowed at once after a quiet spell. */
  burst: number;
}

/**
 * How much of each kind the page reports. A hostile meeting (10 000 chat messages a minute, about
 * 170 a second) is cut to these rates; the bench's 50 messages a second pass untouched. Participants
 * get a large burst: a big meeting's first `user-added` lists everyone at once.
 */
export const PAGE_EVENT_RATES: Record<Exclude<DropKind, 'malformed'>, Rate> = {
  participant: { perSecond: 200, burst: 2_000 },
  speaker: { perSecond: 10, burst: 20 },
  chat: { perSecond: 100, burst: 200 },
  caption: { perSecond: 20, burst: 100 },
  recording: { perSecond: 5, burst: 10 },
};

/** One token bucket per kind of event. */
export class EventBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly rates: Record<string, Rate> = PAGE_EVENT_RATES,
  ) {}

  /** True (and one token spent) when an event of `kind` may be reported now. */
  take(kind: keyof typeof PAGE_EVENT_RATES): boolean {
    const rate = this.rates[kind];
    if (!rate) return true;
    const now = this.now();
    const bucket = this.buckets.get(kind) ?? { tokens: rate.burst, at: now };
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond);
    bucket.at = now;
    this.buckets.set(kind, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
