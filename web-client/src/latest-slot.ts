import type { PageMeetingEventInput } from '../../shared/bridge.js';

/**
 * For state that only its latest value matters for (who speaks, whether the meeting records): an
 * unchanged value is not reported again, and a value that arrives while the budget is spent waits
 * here, replaced by any newer one, until the next tick may report it.
 */
export class LatestSlot {
  private reported: string | undefined;
  private waiting: { key: string; event: PageMeetingEventInput } | undefined;

  /**
   * `key` identifies the value. Returns the event to report now, if any, and how many waiting values
   * this one replaced (0 or 1): those are the drops.
   */
  offer(
    key: string,
    event: PageMeetingEventInput,
    mayReport: () => boolean,
  ): { event?: PageMeetingEventInput; superseded: number } {
    const superseded = this.waiting ? 1 : 0;
    this.waiting = undefined;
    if (key === this.reported) return { superseded };
    if (!mayReport()) {
      this.waiting = { key, event };
      return { superseded };
    }
    this.reported = key;
    return { event, superseded };
  }

  /** The waiting value, when the budget now allows it. */
  drain(mayReport: () => boolean): PageMeetingEventInput | undefined {
    if (!this.waiting || !mayReport()) return undefined;
    const { key, event } = this.waiting;
    this.waiting = undefined;
    this.reported = key;
    return event;
  }

  clear(): void {
    this.reported = undefined;
    this.waiting = undefined;
  }
}
