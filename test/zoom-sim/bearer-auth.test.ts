import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSim } from '../../testkit/sim.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { accessToken, control } from './rest-helpers.js';

const INVALID = { code: 124, message: 'Invalid access token.' };

describe('zoom-sim bearer check on /v2', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    // One-second access tokens, so expiry is seen in the test.
    sim = await startTestSim({ accessTokenTtlSec: 1 });
  });
  afterAll(() => sim.close());

  const userPath = () => `${sim.url}/v2/users/${sim.context.users.serviceUser.id}`;

  it('answers 401 code 124 without an Authorization header', async () => {
    const res = await fetch(userPath());
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(INVALID);
  });

  it('answers 401 code 124 for a token the sim never issued', async () => {
    const res = await fetch(userPath(), { headers: { authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(INVALID);
  });

  it('answers 401 code 124 for Basic credentials on /v2', async () => {
    const basic = `Basic ${Buffer.from(`${sim.context.config.clientId}:${sim.context.config.clientSecret}`).toString('base64')}`;
    const res = await fetch(userPath(), { headers: { authorization: basic } });
    expect(res.status).toBe(401);
  });

  it('answers 401 code 124 for an unknown /v2 path too (the token is checked first)', async () => {
    const res = await fetch(`${sim.url}/v2/meetings/123`);
    expect(res.status).toBe(401);
  });

  it('reports expires_in from the configured ttl, and refuses the token once it has expired', async () => {
    const res = await fetch(
      `${sim.url}/oauth/token?grant_type=account_credentials&account_id=${sim.context.config.accountId}`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${sim.context.config.clientId}:${sim.context.config.clientSecret}`).toString('base64')}`,
        },
      },
    );
    const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
    expect(expires_in).toBe(1);
    const ok = await fetch(userPath(), { headers: { authorization: `Bearer ${access_token}` } });
    expect(ok.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await fetch(userPath(), { headers: { authorization: `Bearer ${access_token}` } });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual(INVALID);
    // A fresh token works again: no refresh token, just a new grant.
    const fresh = await accessToken(sim);
    expect((await fetch(userPath(), { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200);
  });

  it('leaves /_sim open: control routes need no token', async () => {
    expect((await control(sim, 'GET', '/stats')).status).toBe(200);
    expect((await control(sim, 'GET', '/credentials')).status).toBe(200);
  });

  it('does not charge refused requests to the rate budget (no X-RateLimit headers)', async () => {
    const res = await fetch(userPath());
    expect(res.headers.get('x-ratelimit-category')).toBeNull();
  });
});

describe('zoom-sim GET /_sim/credentials', () => {
  it('returns the account, app and SDK credentials and the service user', async () => {
    const sim = await startTestSim({ botUser: 'robot@example.com' });
    try {
      const res = await control(sim, 'GET', '/credentials');
      const { config } = sim.context;
      expect(await res.json()).toEqual({
        accountId: config.accountId,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        sdkKey: config.sdkKey,
        sdkSecret: config.sdkSecret,
        serviceUser: { id: sim.context.users.serviceUser.id, email: 'robot@example.com' },
      });
    } finally {
      await sim.close();
    }
  });
});
