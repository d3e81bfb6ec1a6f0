import { describe, expect, expectTypeOf, it } from 'vitest';
import { PLAN_BUDGETS, type RateCategory, type ZoomPlan } from '../../runner/zoom/rate-budget.js';
import type { SimConfig } from '../../zoom-sim/sim-config.js';
import {
  PLAN_LIMITS,
  RATE_CATEGORIES,
  type RateCategory as SimRateCategory,
} from '../../zoom-sim/store/rate-limiter.js';

/**
 * The runner budgets for Zoom's rate limits and zoom-sim enforces them: two tables on purpose (the
 * runner must not import the sim, and the sim stands for Zoom). If they drift, tests against the sim
 * stop saying anything about Zoom, so they are pinned equal here.
 */
describe('Zoom plan rate tables: the runner and zoom-sim agree', () => {
  it('model the same plans and the same categories (types and values)', () => {
    expectTypeOf<ZoomPlan>().toEqualTypeOf<SimConfig['plan']>();
    expectTypeOf<RateCategory>().toEqualTypeOf<SimRateCategory>();
    expect(Object.keys(PLAN_BUDGETS).sort()).toEqual(Object.keys(PLAN_LIMITS).sort());
    for (const plan of Object.keys(PLAN_LIMITS) as ZoomPlan[]) {
      expect(Object.keys(PLAN_BUDGETS[plan]).sort(), plan).toEqual([...RATE_CATEGORIES].sort());
      expect(Object.keys(PLAN_LIMITS[plan]).sort(), plan).toEqual([...RATE_CATEGORIES].sort());
    }
  });

  it('give every plan and category the same per-second and daily limits', () => {
    for (const plan of Object.keys(PLAN_LIMITS) as ZoomPlan[]) {
      for (const category of RATE_CATEGORIES) {
        const runner = PLAN_BUDGETS[plan][category];
        const sim = PLAN_LIMITS[plan][category];
        expect({ perSecond: runner.perSecond, perDay: runner.perDay }, `${plan} ${category}`).toEqual({
          perSecond: sim.perSecond,
          perDay: sim.perDay,
        });
      }
    }
  });

  it("hold Zoom's documented figures (Pro 30/20/10, Business 80/60/40 per second, Free Light 4/s and 6,000/day)", () => {
    const perSecond = (plan: ZoomPlan) =>
      RATE_CATEGORIES.map((category) => PLAN_BUDGETS[plan][category].perSecond);
    expect(perSecond('pro')).toEqual([30, 20, 10]);
    expect(perSecond('business')).toEqual([80, 60, 40]);
    expect(PLAN_BUDGETS.free.light).toEqual({ perSecond: 4, perDay: 6000 });
    for (const category of RATE_CATEGORIES) {
      expect(PLAN_BUDGETS.pro[category].perDay).toBeNull();
      expect(PLAN_BUDGETS.business[category].perDay).toBeNull();
    }
  });
});
