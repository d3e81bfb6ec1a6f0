import { describe, expect, it } from 'vitest';
import type { Clock } from '../../runner/supervisor/ports.js';
import { HUMAN, harness, SELF, sleep } from './fakes.js';

/** Runs a bot into its meeting (with company, so `alone` never fires) and awaits how it ends. */
async function inMeetingUntilEnd(h: ReturnType<typeof harness>) {
  const started = Date.now();
  const run = h.run();
  await h.until('in_meeting');
  h.page().users('user-added', [SELF, HUMAN]);
  const end = await run;
  return { end, tookMs: Date.now() - started };
}

describe('MAX_BOT_DURATION_SEC (deployment limit)', () => {
  it('ends a bot whose request sets no duration max_duration after the deployment cap', async () => {
    const h = harness({ settings: { maxBotDurationSec: 0.08 } });
    const { end, tookMs } = await inMeetingUntilEnd(h);
    expect(end).toEqual({ kind: 'ended', reason: 'max_duration' });
    expect(tookMs).toBeGreaterThanOrEqual(70);
    expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'leaving', 'ended']);
  });

  it('caps a request that asks for longer than the deployment allows', async () => {
    const h = harness({
      request: { leave: { maxDurationSec: 3600 } },
      settings: { maxBotDurationSec: 0.08 },
    });
    const { end, tookMs } = await inMeetingUntilEnd(h);
    expect(end).toEqual({ kind: 'ended', reason: 'max_duration' });
    expect(tookMs).toBeLessThan(1_500);
  });

  it('keeps a request’s shorter duration: the smaller wins', async () => {
    const h = harness({
      request: { leave: { maxDurationSec: 0.08 } },
      settings: { maxBotDurationSec: 3600 },
    });
    const { end, tookMs } = await inMeetingUntilEnd(h);
    expect(end).toEqual({ kind: 'ended', reason: 'max_duration' });
    expect(tookMs).toBeGreaterThanOrEqual(70);
    expect(tookMs).toBeLessThan(1_500);
  });
});

/**
 * A clock the test moves by hand: `sleep` resolves once `advance` has passed its end, so an hour of
 * meeting takes no time and a deadline is met to the millisecond.
 */
class ManualClock implements Clock {
  private sleepers: Array<{ at: number; wake: () => void }> = [];
  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = {
        at: this.t + ms,
        wake: () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', sleeper.wake, { once: true });
    });
  }

  advance(ms: number): void {
    this.t += ms;
    for (const sleeper of this.sleepers.filter((s) => s.at <= this.t)) sleeper.wake();
  }
}

const T0 = Date.parse('2030-01-01T10:00:00.000Z');
const MINUTE = 60_000;
const RESUMED_IN_MEETING = {
  kind: 'resume',
  state: 'in_meeting',
  wasInMeeting: true,
  attempts: 1,
  rejoins: 0,
} as const;

describe('MAX_BOT_DURATION_SEC across runs (handoff, takeover, rejoin after a lost lock)', () => {
  it('a bot taken over 50 minutes into a 1-hour cap leaves max_duration 10 minutes later, not an hour', async () => {
    const clock = new ManualClock(T0);
    const h = harness({
      clock,
      settings: { maxBotDurationSec: 3600 },
      start: RESUMED_IN_MEETING,
      firstInMeetingAt: T0 - 50 * MINUTE,
    });
    const run = h.run();
    await h.until('in_meeting');
    h.page().users('user-added', [SELF, HUMAN]);
    clock.advance(10 * MINUTE - 1);
    await sleep(30);
    expect(h.supervisor.state).toBe('in_meeting');
    clock.advance(1);
    expect(await run).toEqual({ kind: 'ended', reason: 'max_duration' });
    expect(h.states()).toEqual(['rejoining', 'minting', 'joining', 'in_meeting', 'leaving', 'ended']);
    expect(h.page().leaves).toHaveLength(1);
  });

  it('a request’s shorter leave.maxDurationSec counts from the earlier run too', async () => {
    const clock = new ManualClock(T0);
    const h = harness({
      clock,
      request: { leave: { maxDurationSec: 600 } },
      settings: { maxBotDurationSec: 3600 },
      start: RESUMED_IN_MEETING,
      firstInMeetingAt: T0 - 8 * MINUTE,
    });
    const run = h.run();
    await h.until('in_meeting');
    clock.advance(2 * MINUTE - 1);
    await sleep(30);
    expect(h.supervisor.state).toBe('in_meeting');
    clock.advance(1);
    expect(await run).toEqual({ kind: 'ended', reason: 'max_duration' });
  });

  it.each([
    ['resumed from the meeting (its worker died)', RESUMED_IN_MEETING],
    ['requeued before it got back in (handed off while minting)', { kind: 'fresh' } as const],
  ])(
    'a cap already spent when the run starts: %s, it ends max_duration without joining',
    async (_, start) => {
      const clock = new ManualClock(T0);
      const h = harness({
        clock,
        settings: { maxBotDurationSec: 3600 },
        start,
        firstInMeetingAt: T0 - 60 * MINUTE,
      });
      expect(await h.run()).toEqual({ kind: 'ended', reason: 'max_duration' });
      expect(h.states()).toEqual(['ended']);
      expect(h.last()).toMatchObject({ state: 'ended', endReason: 'max_duration' });
      expect(h.mints).toHaveLength(0);
      expect(h.pages).toHaveLength(0);
    },
  );

  it('without an earlier run the cap counts from this run’s first in_meeting', async () => {
    const clock = new ManualClock(T0);
    const h = harness({ clock, settings: { maxBotDurationSec: 3600 } });
    const run = h.run();
    await h.until('in_meeting');
    clock.advance(60 * MINUTE - 1);
    await sleep(30);
    expect(h.supervisor.state).toBe('in_meeting');
    clock.advance(1);
    expect(await run).toEqual({ kind: 'ended', reason: 'max_duration' });
  });
});
