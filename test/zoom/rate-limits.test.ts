import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../runner/zoom/rate-budget.js';
import { ZoomDailyLimitError } from '../../runner/zoom/zoom-errors.js';
import { useZoomKit } from './zoom-kit.js';

describe('rate limits against zoom-sim', () => {
  const kit = useZoomKit();

  it('on a per-second 429, waits as Retry-After says, then succeeds', async () => {
    // The sim allows 2/s while the runner budgets for pro (30/s): Zoom's 429 is what paces us.
    await kit.setLimits({ plan: 'pro', light: { perSecond: 2 } });
    try {
      const zoom = await kit.clients({ ZOOM_PLAN: 'pro' });
      const before = await kit.stats();
      const started = Date.now();
      const zaks = await Promise.all(
        Array.from({ length: 5 }, () => zoom.meetingTokens.mintZak(kit.credentials.serviceUser.id)),
      );
      for (const zak of zaks) kit.secrets.add(zak);
      const after = await kit.stats();
      expect(zaks).toHaveLength(5);
      expect(after.rateLimited - before.rateLimited).toBeGreaterThan(0);
      expect(after.zakMinted - before.zakMinted).toBe(5);
      // 5 requests at 2 per rolling second need at least two more windows.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    } finally {
      await kit.setLimits({ plan: 'pro' });
    }
  });

  it("budgets to the plan fleet-wide, so Zoom's per-second limit is never hit", async () => {
    await kit.setLimits({ plan: 'free', light: { perDay: null } });
    try {
      const prefix = kit.newPrefix();
      // Two "processes" sharing one prefix share one budget.
      const a = await kit.clients({ ZOOM_PLAN: 'free' }, { prefix });
      const b = await kit.clients({ ZOOM_PLAN: 'free' }, { prefix });
      await a.accessTokens.get();
      const before = await kit.stats();
      const started = Date.now();
      const user = kit.credentials.serviceUser.id;
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).meetingTokens.mintZak(user)),
      );
      const after = await kit.stats();
      expect(after.rateLimited - before.rateLimited).toBe(0);
      // Free: 4 per second, so 10 take two more windows.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    } finally {
      await kit.setLimits({ plan: 'pro' });
    }
  }, 20_000);

  it('a daily limit ends the attempt with zoom_daily_limit at once, fleet-wide, without looping', async () => {
    await kit.setLimits({ plan: 'free', light: { perDay: 2 } });
    try {
      const prefix = kit.newPrefix();
      const zoom = await kit.clients({ ZOOM_PLAN: 'free' }, { prefix });
      const user = kit.credentials.serviceUser.id;
      for (let i = 0; i < 2; i++) kit.secrets.add(await zoom.meetingTokens.mintZak(user));
      const before = await kit.stats();
      const started = Date.now();
      const error = await zoom.meetingTokens.mintZak(user).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ZoomDailyLimitError);
      expect(error).toMatchObject({ code: 'zoom_daily_limit', retryable: false, zoomCode: 429 });
      const retryAt = (error as ZoomDailyLimitError).retryAt?.getTime() ?? 0;
      expect(retryAt).toBeGreaterThan(Date.now());
      expect(retryAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
      // Another process of the fleet does not even ask Zoom.
      const other = await kit.clients({ ZOOM_PLAN: 'free' }, { prefix });
      await expect(other.meetingTokens.mintZak(user)).rejects.toBeInstanceOf(ZoomDailyLimitError);
      expect(Date.now() - started).toBeLessThan(1000);
      expect((await kit.stats()).rateLimited - before.rateLimited).toBe(1);
    } finally {
      await kit.setLimits({ plan: 'pro' });
    }
  });

  it('reads Retry-After as seconds or as an absolute date', () => {
    const now = Date.parse('2026-05-30T23:59:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('2026-05-31T00:00:00Z', now)).toBe(60_000);
    expect(parseRetryAfter('Sun, 31 May 2026 00:00:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
