import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSim } from '../../testkit/sim.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { PLAN_LIMITS, RateLimiter } from '../../zoom-sim/store/rate-limiter.js';
import { accessToken, api, control, controlOk } from './rest-helpers.js';

const QPS_MESSAGE = 'You have reached the maximum per-second rate limit for this API. Try again later.';

describe('zoom-sim rate limits over HTTP', () => {
  let sim: RunningSim;
  let bearer: string;
  beforeAll(async () => {
    sim = await startTestSim();
    bearer = await accessToken(sim);
  });
  afterAll(() => sim.close());
  // Back to the Pro defaults after each test (which also clears the counts), so tests do not see each
  // other's limits or usage.
  afterEach(async () => {
    await controlOk(sim, 'PUT', '/limits', { plan: 'pro', latencyMs: 0 });
  });

  const zak = () => api(sim, bearer, `/users/${sim.context.users.serviceUser.id}/token?type=zak`);
  const rateLimited = async () =>
    ((await (await control(sim, 'GET', '/stats')).json()) as { rateLimited: number }).rateLimited;

  it('starts with the Pro budgets: Light 30/s, Medium 20/s, Heavy 10/s, no daily limit', async () => {
    const limits = await (await control(sim, 'GET', '/limits')).json();
    expect(limits).toEqual({ plan: 'pro', ...PLAN_LIMITS.pro, latencyMs: 0 });
    expect(PLAN_LIMITS.pro).toEqual({
      light: { perSecond: 30, perDay: null },
      medium: { perSecond: 20, perDay: null },
      heavy: { perSecond: 10, perDay: null },
    });
  });

  it('puts X-RateLimit-* headers on a successful response (token mint is Light)', async () => {
    const res = await zak();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-category')).toBe('Light');
    expect(res.headers.get('x-ratelimit-type')).toBe('QPS');
    expect(res.headers.get('x-ratelimit-limit')).toBe('30');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('29');
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('puts the headers on error responses of a limited route too', async () => {
    const res = await api(sim, bearer, '/users/nobody');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-ratelimit-category')).toBe('Light');
    expect(res.headers.get('x-ratelimit-limit')).toBe('30');
  });

  it('charges list users and picture upload to Medium', async () => {
    const res = await api(sim, bearer, '/users');
    expect(res.headers.get('x-ratelimit-category')).toBe('Medium');
    expect(res.headers.get('x-ratelimit-limit')).toBe('20');
    const upload = await api(sim, bearer, `/users/${sim.context.users.serviceUser.id}/picture`, {
      method: 'POST',
      body: new FormData(),
    });
    expect(upload.status).toBe(400);
    expect(upload.headers.get('x-ratelimit-category')).toBe('Medium');
  });

  it('refuses the request over the per-second limit with 429, QPS headers and Retry-After in seconds', async () => {
    await controlOk(sim, 'PUT', '/limits', { light: { perSecond: 2 } });
    const before = await rateLimited();
    expect((await zak()).status).toBe(200);
    expect((await zak()).status).toBe(200);
    const res = await zak();
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ code: 429, message: QPS_MESSAGE });
    expect(res.headers.get('x-ratelimit-type')).toBe('QPS');
    expect(res.headers.get('x-ratelimit-category')).toBe('Light');
    expect(res.headers.get('x-ratelimit-limit')).toBe('2');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await rateLimited()).toBe(before + 1);
  });

  it('accepts requests again once the second has passed', async () => {
    await controlOk(sim, 'PUT', '/limits', { light: { perSecond: 1 } });
    expect((await zak()).status).toBe(200);
    expect((await zak()).status).toBe(429);
    await new Promise((r) => setTimeout(r, 1050));
    expect((await zak()).status).toBe(200);
  });

  it('keeps categories apart: Light exhausted, Medium still answers', async () => {
    await controlOk(sim, 'PUT', '/limits', { light: { perSecond: 1 } });
    await zak();
    expect((await zak()).status).toBe(429);
    expect((await api(sim, bearer, '/users')).status).toBe(200);
  });

  it('shares the budget between all access tokens of the account', async () => {
    await controlOk(sim, 'PUT', '/limits', { light: { perSecond: 1 } });
    const other = await accessToken(sim);
    expect((await zak()).status).toBe(200);
    const res = await api(sim, other, `/users/${sim.context.users.serviceUser.id}/token?type=zak`);
    expect(res.status).toBe(429);
  });

  it('refuses over the daily limit with 429, Daily-limit headers and Retry-After at the next UTC midnight', async () => {
    await controlOk(sim, 'PUT', '/limits', { light: { perSecond: 100, perDay: 2 } });
    const ok = await zak();
    expect(ok.headers.get('x-ratelimit-type')).toBe('Daily-limit');
    expect(ok.headers.get('x-ratelimit-limit')).toBe('2');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('1');
    await zak();
    const res = await zak();
    expect(res.status).toBe(429);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(429);
    expect(body.message).toMatch(/maximum daily rate limit/);
    expect(res.headers.get('x-ratelimit-type')).toBe('Daily-limit');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(res.headers.get('retry-after')).toBe(midnight.toISOString().replace('.000Z', 'Z'));
  });

  it('starts a category afresh when its limits are set', async () => {
    await controlOk(sim, 'PUT', '/limits', { light: { perSecond: 1 } });
    await zak();
    expect((await zak()).status).toBe(429);
    await controlOk(sim, 'PUT', '/limits', { light: { perSecond: 1 } });
    expect((await zak()).status).toBe(200);
  });

  it('lifts a daily limit with perDay null', async () => {
    await controlOk(sim, 'PUT', '/limits', { light: { perDay: 1 } });
    await zak();
    expect((await zak()).status).toBe(429);
    await controlOk(sim, 'PUT', '/limits', { light: { perDay: null } });
    expect((await zak()).status).toBe(200);
  });

  it('adds latencyMs to every REST and OAuth answer', async () => {
    await controlOk(sim, 'PUT', '/limits', { latencyMs: 300 });
    const started = performance.now();
    await zak();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    const oauthStarted = performance.now();
    await accessToken(sim);
    expect(performance.now() - oauthStarted).toBeGreaterThanOrEqual(290);
  });

  it('PUT /_sim/limits answers the limits now in force, and plan resets to that plan', async () => {
    const res = await control(sim, 'PUT', '/limits', { plan: 'free', medium: { perSecond: 5 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      plan: 'free',
      light: { perSecond: 4, perDay: 6000 },
      medium: { perSecond: 5, perDay: 2000 },
      heavy: { perSecond: 1, perDay: 1000 },
      latencyMs: 0,
    });
  });
});

describe('zoom-sim plan budgets', () => {
  it('a free-plan sim reports Light 4/s and 6,000/day in its headers', async () => {
    const sim = await startTestSim({ plan: 'free' });
    try {
      const bearer = await accessToken(sim);
      const res = await api(sim, bearer, `/users/${sim.context.users.serviceUser.id}`);
      expect(res.headers.get('x-ratelimit-type')).toBe('Daily-limit');
      expect(res.headers.get('x-ratelimit-limit')).toBe('6000');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('5999');
      expect(PLAN_LIMITS.free.light).toEqual({ perSecond: 4, perDay: 6000 });
    } finally {
      await sim.close();
    }
  });

  it('a business-plan sim has 80/60/40 per second', async () => {
    const sim = await startTestSim({ plan: 'business' });
    try {
      const limits = (await (await control(sim, 'GET', '/limits')).json()) as Record<string, unknown>;
      expect(limits).toMatchObject({
        plan: 'business',
        light: { perSecond: 80 },
        medium: { perSecond: 60 },
        heavy: { perSecond: 40 },
      });
    } finally {
      await sim.close();
    }
  });
});

describe('RateLimiter windows (fake clock)', () => {
  it('uses a rolling second: a request frees its slot 1000 ms after it was made', () => {
    let now = 10_500;
    const limiter = new RateLimiter('pro', () => now);
    limiter.set({ heavy: { perSecond: 2 } });
    expect(limiter.take('heavy').allowed).toBe(true);
    now += 600;
    expect(limiter.take('heavy').allowed).toBe(true);
    now += 300;
    const refused = limiter.take('heavy');
    expect(refused.allowed).toBe(false);
    expect(refused.headers['X-RateLimit-Category']).toBe('Heavy');
    now += 100; // the first request is now 1000 ms old
    expect(limiter.take('heavy').allowed).toBe(true);
  });

  it('does not charge refused requests to the budget', () => {
    let now = 0;
    const limiter = new RateLimiter('pro', () => now);
    limiter.set({ light: { perSecond: 1, perDay: 2 } });
    expect(limiter.take('light').allowed).toBe(true);
    for (let i = 0; i < 5; i += 1) expect(limiter.take('light').allowed).toBe(false);
    now += 1000;
    expect(limiter.take('light').allowed).toBe(true);
  });

  it('resets the daily count at UTC midnight', () => {
    let now = Date.UTC(2026, 4, 30, 23, 59, 59);
    const limiter = new RateLimiter('free', () => now);
    limiter.set({ light: { perDay: 1 } });
    expect(limiter.take('light').allowed).toBe(true);
    const refused = limiter.take('light');
    expect(refused.allowed).toBe(false);
    expect(refused.headers['Retry-After']).toBe('2026-05-31T00:00:00Z');
    now = Date.UTC(2026, 4, 31, 0, 0, 1);
    expect(limiter.take('light').allowed).toBe(true);
  });
});
