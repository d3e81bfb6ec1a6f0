import type { Clock } from './ports.js';

/** setTimeout's longest delay; longer waits are taken in steps (the caller re-checks its deadlines). */
const MAX_SLEEP_MS = 2 ** 31 - 1;

/**
 * The supervisor's mailbox: page events and wake-ups (leave requests, abort) are handled one at a time,
 * in arrival order, by the single loop that owns the bot's state, so no two handlers ever race.
 */
export class Inbox<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  /** The next item, or `undefined` once `timeoutMs` passed without one (`Infinity`: wait for one). */
  async take(timeoutMs: number, clock: Clock): Promise<T | undefined> {
    if (this.items.length > 0) return this.items.shift();
    if (timeoutMs <= 0) return undefined;
    const timer = new AbortController();
    const arrived = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    const waits: Promise<void>[] = [arrived];
    if (Number.isFinite(timeoutMs)) waits.push(clock.sleep(Math.min(timeoutMs, MAX_SLEEP_MS), timer.signal));
    try {
      await Promise.race(waits);
    } finally {
      this.wake = undefined;
      timer.abort();
    }
    return this.items.shift();
  }
}
