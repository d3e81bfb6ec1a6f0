import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSim } from '../../testkit/sim.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { accessToken, api, basicAuth, control, controlOk, liftRateLimits } from './rest-helpers.js';

/** `PUT /_sim/faults`: the OAuth and token endpoints fail on demand, then work again. */
describe('zoom-sim injected faults', () => {
  let sim: RunningSim;
  let bearer: string;
  beforeAll(async () => {
    sim = await startTestSim();
    await liftRateLimits(sim);
    bearer = await accessToken(sim);
  });
  afterAll(() => sim.close());
  afterEach(async () => {
    await controlOk(sim, 'PUT', '/faults', { oauth: null, userToken: null });
  });

  const oauth = () =>
    fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicAuth(sim), 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=account_credentials&account_id=${sim.context.config.accountId}`,
    });
  const zak = () => api(sim, bearer, `/users/${sim.context.users.serviceUser.id}/token?type=zak`);
  const stats = async () =>
    (await (await control(sim, 'GET', '/stats')).json()) as { oauthTokensIssued: number; zakMinted: number };

  it('fails the next `count` OAuth requests with the status given, then issues tokens again', async () => {
    const armed = await control(sim, 'PUT', '/faults', { oauth: { status: 503, count: 2 } });
    expect(armed.status).toBe(200);
    expect(await armed.json()).toMatchObject({ oauth: { status: 503, remaining: 2, remainingMs: null } });
    const issuedBefore = (await stats()).oauthTokensIssued;

    const first = await oauth();
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ reason: 'Service unavailable', error: 'server_error' });
    expect((await oauth()).status).toBe(503);
    expect((await oauth()).status).toBe(200);
    expect((await stats()).oauthTokensIssued).toBe(issuedBefore + 1);
    expect(await (await control(sim, 'GET', '/faults')).json()).toMatchObject({
      oauth: null,
      answered: { oauth: 2 },
    });
  });

  it('answers token mints 429 with Retry-After for `forMs`, then mints again', async () => {
    await controlOk(sim, 'PUT', '/faults', { userToken: { status: 429, forMs: 300 } });
    const limited = await zak();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-type')).toBe('QPS');
    expect(await limited.json()).toMatchObject({ code: 429 });
    const minted = (await stats()).zakMinted;
    await new Promise((resolve) => setTimeout(resolve, 350));
    const ok = await zak();
    expect(ok.status).toBe(200);
    expect((await stats()).zakMinted).toBe(minted + 1);
  });

  it('a fault with neither count nor forMs lasts until cleared with null', async () => {
    await controlOk(sim, 'PUT', '/faults', { userToken: { status: 500 } });
    for (let i = 0; i < 3; i++) expect((await zak()).status).toBe(500);
    await controlOk(sim, 'PUT', '/faults', { userToken: null });
    expect((await zak()).status).toBe(200);
  });

  it('refuses unknown targets and statuses, naming the field', async () => {
    const typo = await control(sim, 'PUT', '/faults', { oauht: { status: 503 } });
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({ code: 300, errors: [{ field: 'oauht' }] });
    const status = await control(sim, 'PUT', '/faults', { oauth: { status: 404 } });
    expect(status.status).toBe(400);
    expect(await status.json()).toMatchObject({ errors: [{ field: 'oauth.status' }] });
    expect((await oauth()).status).toBe(200);
  });
});
