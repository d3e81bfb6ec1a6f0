import { describe, expect, it } from 'vitest';
import {
  memoryPageBound,
  WarmPoolTarget,
  type WarmPoolTargetOptions,
} from '../../runner/browser/warm-pool-target.js';

const ROOMY = { freeSlots: 1000, memoryPages: Number.POSITIVE_INFINITY };
const HOLD = 300_000;
const STEP = 30_000;

/** A target on a clock the test moves; defaults as a worker runs them (10 s bursts, 5 min hold, 30 s steps). */
function targetAt(options: Partial<WarmPoolTargetOptions> = {}) {
  const clock = { now: 1_000_000 };
  const target = new WarmPoolTarget({ floor: 1, now: () => clock.now, ...options });
  const opens = (count: number, everyMs = 100) => {
    for (let i = 0; i < count; i++) {
      if (i > 0) clock.now += everyMs;
      target.recordOpen();
    }
  };
  return { target, clock, opens };
}

describe('adaptive warm pool target', () => {
  it('keeps the floor while nothing opens, whatever the slots and memory', () => {
    expect(targetAt().target.target(ROOMY)).toBe(1);
    expect(targetAt({ floor: 3 }).target.target({ freeSlots: 0, memoryPages: 0 })).toBe(3);
    expect(targetAt({ floor: 0 }).target.target(ROOMY)).toBe(0);
  });

  it('grows to the size of a burst of opens, as the burst comes in', () => {
    const { target, opens } = targetAt();
    opens(1);
    expect(target.target(ROOMY)).toBe(1);
    opens(4);
    expect(target.target(ROOMY)).toBe(5);
    opens(5);
    expect(target.target(ROOMY)).toBe(10);
  });

  it('counts only opens within one burst window: a trickle stays at the floor', () => {
    const { target, clock, opens } = targetAt({ floor: 1 });
    // One join every 11 s for ten minutes: never two in one 10 s window.
    opens(55, 11_000);
    expect(target.demand()).toBe(1);
    expect(target.target(ROOMY)).toBe(1);
    // Two in one window: two pages.
    clock.now += 11_000;
    opens(2, 9_000);
    expect(target.target(ROOMY)).toBe(2);
  });

  it('never warms more than the free slots, but keeps the floor when none are free', () => {
    const { target, opens } = targetAt({ floor: 1 });
    opens(10);
    expect(target.target({ freeSlots: 4, memoryPages: Number.POSITIVE_INFINITY })).toBe(4);
    expect(target.target({ freeSlots: 0, memoryPages: Number.POSITIVE_INFINITY })).toBe(1);
    expect(target.target({ freeSlots: -2, memoryPages: Number.POSITIVE_INFINITY })).toBe(1);
  });

  it('never warms more than memory allows, nor more than WORKER_WARM_PAGES_MAX; the floor wins over both', () => {
    const { target, opens } = targetAt({ floor: 2, max: 6 });
    opens(10);
    expect(target.target(ROOMY)).toBe(6);
    expect(target.target({ freeSlots: 1000, memoryPages: 3 })).toBe(3);
    expect(target.target({ freeSlots: 1000, memoryPages: -1 })).toBe(2);
    const capped = targetAt({ floor: 4, max: 1 });
    capped.opens(10);
    expect(capped.target.target(ROOMY)).toBe(4);
  });

  it('holds a burst for 5 minutes, then gives back one page every 30 s down to the floor', () => {
    const { target, clock, opens } = targetAt({ floor: 2 });
    opens(6);
    const last = clock.now;
    clock.now = last + HOLD - 1;
    expect(target.target(ROOMY)).toBe(6);
    const seen: number[] = [];
    for (let step = 0; step <= 6; step++) {
      clock.now = last + HOLD + step * STEP;
      seen.push(target.target(ROOMY));
    }
    expect(seen).toEqual([5, 4, 3, 2, 2, 2, 2]);
    clock.now += 24 * 3_600_000;
    expect(target.target(ROOMY)).toBe(2);
    expect(target.demand()).toBe(0);
  });

  it('a smaller burst later keeps its own size for its own hold while the big one fades', () => {
    const { target, clock, opens } = targetAt({ floor: 1 });
    opens(10);
    const big = clock.now;
    clock.now = big + 240_000;
    opens(3);
    const small = clock.now;
    // 6 minutes after the big burst: 10 − 1 − 2.
    clock.now = big + 360_000;
    expect(target.target(ROOMY)).toBe(7);
    // The big one has faded below 3; the small one is still within its hold.
    clock.now = small + HOLD - 1;
    expect(target.target(ROOMY)).toBe(3);
    clock.now = small + HOLD + STEP;
    expect(target.target(ROOMY)).toBe(1);
  });

  it('a new burst larger than what is left raises the target again and restarts the hold', () => {
    const { target, clock, opens } = targetAt({ floor: 1 });
    opens(8);
    clock.now += HOLD + 3 * STEP;
    expect(target.target(ROOMY)).toBe(4);
    opens(2);
    expect(target.target(ROOMY)).toBe(4);
    clock.now += 20_000;
    opens(9);
    const last = clock.now;
    expect(target.target(ROOMY)).toBe(9);
    clock.now = last + HOLD - 1;
    expect(target.target(ROOMY)).toBe(9);
  });

  it('refuses a floor that is not a whole number of pages', () => {
    expect(() => new WarmPoolTarget({ floor: -1 })).toThrow(RangeError);
    expect(() => new WarmPoolTarget({ floor: 1.5 })).toThrow(RangeError);
  });
});

describe('memory bound of the warm pool', () => {
  it('adds the pages that fit above the gate, keeping one page spare', () => {
    // 1 000 MB free, gate 512: 4 pages of 100 MB fit, one is kept spare.
    expect(memoryPageBound({ freeMb: 1_000, minFreeMb: 512, pageMb: 100, warmNow: 2 })).toBe(5);
    // Exactly one page's worth above the gate: nothing more.
    expect(memoryPageBound({ freeMb: 612, minFreeMb: 512, pageMb: 100, warmNow: 2 })).toBe(2);
  });

  it('under the gate, falls below the pages warm now, so the surplus is closed', () => {
    expect(memoryPageBound({ freeMb: 400, minFreeMb: 512, pageMb: 100, warmNow: 3 })).toBe(0);
  });
});
