import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSim } from '../../testkit/sim.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { accessToken, api, basicAuth, control } from './rest-helpers.js';

describe('zoom-sim OAuth (S2S account_credentials)', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    sim = await startTestSim();
  });
  afterAll(() => sim.close());

  const form = (body: string) => ({ 'content-type': 'application/x-www-form-urlencoded', body });

  async function token(init: { authorization?: string; query?: string; body?: string }) {
    const { 'content-type': contentType, body } = form(init.body ?? '');
    const headers: Record<string, string> = { 'content-type': contentType };
    if (init.authorization !== undefined) headers.authorization = init.authorization;
    return fetch(`${sim.url}/oauth/token${init.query ?? ''}`, { method: 'POST', headers, body });
  }

  it('issues a bearer token for a form body, with expires_in, scope and api_url', async () => {
    const res = await token({
      authorization: basicAuth(sim),
      body: `grant_type=account_credentials&account_id=${sim.context.config.accountId}`,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, api_url: sim.url });
    expect(typeof body.access_token).toBe('string');
    expect(body.scope).toContain('user:read:zak');
  });

  it('accepts the parameters in the query string, as Zoom documents', async () => {
    const res = await token({
      authorization: basicAuth(sim),
      query: `?grant_type=account_credentials&account_id=${sim.context.config.accountId}`,
    });
    expect(res.status).toBe(200);
  });

  it('keeps several access tokens valid at once (no refresh tokens)', async () => {
    const a = await accessToken(sim);
    const b = await accessToken(sim);
    expect(a).not.toBe(b);
    for (const t of [a, b])
      expect((await api(sim, t, `/users/${sim.context.users.serviceUser.id}`)).status).toBe(200);
  });

  it('counts issued tokens in /_sim/stats', async () => {
    const before = ((await (await control(sim, 'GET', '/stats')).json()) as { oauthTokensIssued: number })
      .oauthTokensIssued;
    await accessToken(sim);
    const after = ((await (await control(sim, 'GET', '/stats')).json()) as { oauthTokensIssued: number })
      .oauthTokensIssued;
    expect(after).toBe(before + 1);
  });

  it('refuses a missing Basic header with 401 invalid_client', async () => {
    const res = await token({
      body: `grant_type=account_credentials&account_id=${sim.context.config.accountId}`,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      reason: 'Invalid client_id or client_secret',
      error: 'invalid_client',
    });
  });

  it('refuses a wrong client secret with 401 invalid_client', async () => {
    const res = await token({
      authorization: basicAuth(sim, sim.context.config.clientId, 'wrong'),
      body: `grant_type=account_credentials&account_id=${sim.context.config.accountId}`,
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('refuses a Basic header that is not id:secret with 401 invalid_client', async () => {
    const res = await token({
      authorization: `Basic ${Buffer.from('no-colon').toString('base64')}`,
      body: `grant_type=account_credentials&account_id=${sim.context.config.accountId}`,
    });
    expect(res.status).toBe(401);
  });

  it('refuses another grant type with 400 unsupported_grant_type', async () => {
    const res = await token({ authorization: basicAuth(sim), body: 'grant_type=client_credentials' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('refuses a missing grant type with 400 unsupported_grant_type', async () => {
    const res = await token({
      authorization: basicAuth(sim),
      body: `account_id=${sim.context.config.accountId}`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('refuses a wrong account id with 400 invalid_request', async () => {
    const res = await token({
      authorization: basicAuth(sim),
      body: 'grant_type=account_credentials&account_id=someone-else',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ reason: 'Invalid account_id', error: 'invalid_request' });
  });

  it('refuses a missing account id with 400 invalid_request', async () => {
    const res = await token({ authorization: basicAuth(sim), body: 'grant_type=account_credentials' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});
