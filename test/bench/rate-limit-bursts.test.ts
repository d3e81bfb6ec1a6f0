import { describe, expect, it } from 'vitest';
import { rateLimitBursts, refreshIntervalMs } from '../../bench/lib/zoom-api-report.js';

describe('zoom-api report helpers', () => {
  it('groups 429 times less than half a second apart into one burst, in time order', () => {
    expect(rateLimitBursts([10_803, 1_105, 1_131, 1_400, 10_811, 13_962])).toEqual([
      { atMs: 1_105, count: 3 },
      { atMs: 10_803, count: 2 },
      { atMs: 13_962, count: 1 },
    ]);
    expect(rateLimitBursts([])).toEqual([]);
  });

  it('expects a token fetch 5 minutes before expiry, or 20% early for short-lived tokens', () => {
    expect(refreshIntervalMs(3600)).toBe(3_300_000);
    expect(refreshIntervalMs(10)).toBe(8_000);
  });
});
