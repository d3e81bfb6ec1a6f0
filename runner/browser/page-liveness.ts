import { HUNG_AFTER_MS, TOUCH_INTERVAL_MS } from '../../shared/liveness.js';

/**
 * The runner's half of docs/contract.md §12 for one page, as plain arithmetic over times handed in
 * (so it is tested without Chromium or real clocks): has the page beaten lately, has every CDP call
 * to it answered, and is a touch due. `PuppeteerBotPage` drives it from one timer.
 */

export interface LivenessTimings {
  /** No beat, or a CDP call unanswered, for this long: hung. */
  hungAfterMs: number;
  /** A touch (`zbrBot.touch()`) is sent this often, one at a time. */
  touchIntervalMs: number;
  /**
   * A tick this late means the runner itself did not run (SIGSTOP, a starved event loop): beats and
   * answers may be waiting unread in the pipe, so the clocks restart instead of blaming the page.
   */
  runnerStallMs: number;
}

export const DEFAULT_LIVENESS_TIMINGS: LivenessTimings = {
  hungAfterMs: HUNG_AFTER_MS,
  touchIntervalMs: TOUCH_INTERVAL_MS,
  runnerStallMs: 3_000,
};

/** How often the driver ticks: often enough to see a hang within a second of its deadline. */
export const LIVENESS_TICK_MS = 1_000;

/** Why a page is believed hung. */
export type HangSign =
  | { kind: 'no_beat'; silentMs: number }
  | { kind: 'call_unanswered'; call: string; pendingMs: number };

export interface LivenessTick {
  /** Set once the page looks hung; the driver then asks the browser who is at fault. */
  hung?: HangSign;
  /** Send a touch now (and report it with `callStarted('touch')`). */
  touch: boolean;
}

export class PageLivenessMonitor {
  private lastBeatAt: number;
  private lastTickAt: number;
  private lastTouchAt = Number.NEGATIVE_INFINITY;
  private readonly calls = new Map<number, { call: string; since: number }>();
  private nextCallId = 0;

  constructor(
    now: number,
    private readonly timings: LivenessTimings = DEFAULT_LIVENESS_TIMINGS,
  ) {
    this.lastBeatAt = now;
    this.lastTickAt = now;
  }

  beat(now: number): void {
    this.lastBeatAt = now;
  }

  /** A CDP call to the page began; pass the id to `callEnded` when it settles, either way. */
  callStarted(call: string, now: number): number {
    const id = this.nextCallId++;
    this.calls.set(id, { call, since: now });
    if (call === 'touch') this.lastTouchAt = now;
    return id;
  }

  callEnded(id: number): void {
    this.calls.delete(id);
  }

  tick(now: number): LivenessTick {
    const t = this.timings;
    if (now - this.lastTickAt > t.runnerStallMs) this.restartClocks(now);
    this.lastTickAt = now;
    const silentMs = now - this.lastBeatAt;
    if (silentMs >= t.hungAfterMs) return { hung: { kind: 'no_beat', silentMs }, touch: false };
    const oldest = this.oldestCall();
    if (oldest && now - oldest.since >= t.hungAfterMs) {
      return {
        hung: { kind: 'call_unanswered', call: oldest.call, pendingMs: now - oldest.since },
        touch: false,
      };
    }
    const touchPending = [...this.calls.values()].some((c) => c.call === 'touch');
    return { touch: !touchPending && now - this.lastTouchAt >= t.touchIntervalMs };
  }

  private oldestCall(): { call: string; since: number } | undefined {
    let oldest: { call: string; since: number } | undefined;
    for (const c of this.calls.values()) if (!oldest || c.since < oldest.since) oldest = c;
    return oldest;
  }

  private restartClocks(now: number): void {
    this.lastBeatAt = now;
    for (const c of this.calls.values()) c.since = now;
  }
}

export function describeHangSign(sign: HangSign): string {
  return sign.kind === 'no_beat'
    ? `no beat for ${Math.round(sign.silentMs / 1000)} s`
    : `${sign.call} unanswered for ${Math.round(sign.pendingMs / 1000)} s`;
}

/** What deciding "this page, or its whole Chromium?" needs; faked in tests. */
export interface HangActions {
  /** True when the browser process answers a CDP call in time. */
  probeBrowser(): Promise<boolean>;
  /** The page alone is hung: said before its context closes, so listeners learn why it went. */
  pageHung(): void;
  /** Closes the page's browser context; Chromium kills the renderer with it, even a stopped one. */
  closeContext(): Promise<void>;
  /** The whole Chromium is hung: it and every page in it go. */
  browserHung(): void;
}

/**
 * Decides who hung, and acts. A browser that does not answer is hung as a whole. One that answers
 * closes the page's context, which takes the renderer down; a browser that cannot do even that within
 * `closeTimeoutMs` is treated as hung too (the renderer's pid is not known, to kill it alone).
 */
export async function settleHang(actions: HangActions, closeTimeoutMs: number): Promise<'page' | 'browser'> {
  if (!(await actions.probeBrowser())) {
    actions.browserHung();
    return 'browser';
  }
  actions.pageHung();
  if (await withinMs(actions.closeContext(), closeTimeoutMs)) return 'page';
  actions.browserHung();
  return 'browser';
}

/** True when `work` settles (either way) within `ms`. */
export function withinMs(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    work.then(done, done);
  });
}
