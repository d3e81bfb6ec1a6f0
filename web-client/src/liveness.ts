import { BEAT_INTERVAL_MS, UNTOUCHED_LEAVE_MS } from '../../shared/liveness.js';
import { report } from './report.js';

/**
 * The page's half of docs/contract.md §12. The runner calls a page hung when its beats stop; the page
 * leaves its meeting when the runner stops touching it. Both run on the page's own timers, which keep
 * running while the runner is frozen: Chromium is a separate process.
 */

/** From load on, so warm pages are watched too. */
export function startBeating(): void {
  setInterval(() => report({ type: 'beat' }), BEAT_INTERVAL_MS);
}

/** How often the switch looks at the last touch: a leave comes at most this late. */
const CHECK_EVERY_MS = 1_000;

/**
 * Leaves the meeting once the runner has not touched the page for `UNTOUCHED_LEAVE_MS`: its worker is
 * frozen or cut off from Redis, and the bot may be taken over elsewhere; staying would leave a ghost.
 * Armed from `join` (the runner has just called) until the runner's own leave or the session's end.
 */
export class DeadManSwitch {
  private lastTouch = performance.now();
  private armed = false;

  constructor(private readonly leave: (untouchedMs: number) => void) {
    setInterval(() => this.check(), CHECK_EVERY_MS);
  }

  touch(): void {
    this.lastTouch = performance.now();
  }

  arm(): void {
    this.touch();
    this.armed = true;
  }

  disarm(): void {
    this.armed = false;
  }

  private check(): void {
    if (!this.armed) return;
    const untouchedMs = performance.now() - this.lastTouch;
    if (untouchedMs < UNTOUCHED_LEAVE_MS) return;
    // Once: a runner that comes back sees the SDK's Closed and rejoins on a fresh page.
    this.armed = false;
    this.leave(Math.round(untouchedMs));
  }
}
