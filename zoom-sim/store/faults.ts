/** Endpoints a test can make fail: `/oauth/token`, and ZAK/OBF minting (`GET /v2/users/:id/token`). */
export const FAULT_TARGETS = ['oauth', 'userToken'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

/** What a failing endpoint answers instead of its work: a 429, or a server error. */
export const FAULT_STATUSES = [429, 500, 502, 503] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

export interface FaultSpec {
  status: FaultStatus;
  /** Fail this many requests, then work again. */
  count?: number | undefined;
  /** Fail for this long from now, then work again. With `count` too, whichever runs out first. */
  forMs?: number | undefined;
}

interface ArmedFault {
  status: FaultStatus;
  left: number | undefined;
  until: number | undefined;
}

export interface FaultView {
  status: FaultStatus;
  /** Requests still to fail; `null`: no count given. */
  remaining: number | null;
  /** Milliseconds still to fail; `null`: no time given. */
  remainingMs: number | null;
}

/**
 * Failures a test arms through `PUT /_sim/faults`, so the runner can be seen riding out an OAuth
 * server or a token endpoint that is down or rate limiting. Not something Zoom has: a test tool.
 * A fault with neither `count` nor `forMs` lasts until cleared.
 */
export class FaultInjector {
  private readonly armed = new Map<FaultTarget, ArmedFault>();
  private readonly answered: Record<FaultTarget, number> = { oauth: 0, userToken: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  /** Arms `target` with `spec`, or clears it (`null`). */
  set(target: FaultTarget, spec: FaultSpec | null): void {
    if (spec === null) {
      this.armed.delete(target);
      return;
    }
    this.armed.set(target, {
      status: spec.status,
      left: spec.count,
      until: spec.forMs === undefined ? undefined : this.now() + spec.forMs,
    });
  }

  /** The status this request must be answered with, or `undefined` to handle it. Counts it down. */
  take(target: FaultTarget): FaultStatus | undefined {
    const fault = this.armed.get(target);
    if (!fault) return undefined;
    if (fault.until !== undefined && this.now() >= fault.until) {
      this.armed.delete(target);
      return undefined;
    }
    if (fault.left !== undefined) {
      fault.left -= 1;
      if (fault.left <= 0) this.armed.delete(target);
    }
    this.answered[target] += 1;
    return fault.status;
  }

  view(): Record<FaultTarget, FaultView | null> & { answered: Record<FaultTarget, number> } {
    const now = this.now();
    const one = (target: FaultTarget): FaultView | null => {
      const fault = this.armed.get(target);
      if (!fault || (fault.until !== undefined && now >= fault.until)) return null;
      return {
        status: fault.status,
        remaining: fault.left ?? null,
        remainingMs: fault.until === undefined ? null : fault.until - now,
      };
    };
    return { oauth: one('oauth'), userToken: one('userToken'), answered: { ...this.answered } };
  }
}
