import { describe, expect, it } from 'vitest';
import { loadSimConfig, SIM_DEFAULTS, SimConfigError } from '../../zoom-sim/sim-config.js';

function refusal(env: Record<string, string>): SimConfigError {
  try {
    loadSimConfig(env);
  } catch (error) {
    if (error instanceof SimConfigError) return error;
    throw error;
  }
  throw new Error(`loadSimConfig accepted ${JSON.stringify(env)}`);
}

describe('zoom-sim configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadSimConfig({})).toEqual({
      accountId: SIM_DEFAULTS.ZOOM_ACCOUNT_ID,
      clientId: SIM_DEFAULTS.ZOOM_CLIENT_ID,
      clientSecret: SIM_DEFAULTS.ZOOM_CLIENT_SECRET,
      sdkKey: SIM_DEFAULTS.ZOOM_SDK_KEY,
      sdkSecret: SIM_DEFAULTS.ZOOM_SDK_SECRET,
      botUser: 'bot@zoom-sim.local',
      plan: 'pro',
      port: 9090,
      host: '127.0.0.1',
      accessTokenTtlSec: 3600,
    });
  });

  it('reads the ZOOM_* variables, fractional seconds included', () => {
    const config = loadSimConfig({
      ZOOM_ACCOUNT_ID: 'acc',
      ZOOM_PLAN: 'free',
      ZOOM_SIM_PORT: '0',
      ZOOM_SIM_ACCESS_TOKEN_TTL_SEC: '0.5',
    });
    expect(config).toMatchObject({ accountId: 'acc', plan: 'free', port: 0, accessTokenTtlSec: 0.5 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats an empty or blank variable as unset', () => {
    expect(loadSimConfig({ ZOOM_PLAN: '  ', ZOOM_SIM_PORT: '' })).toMatchObject({ plan: 'pro', port: 9090 });
  });

  it('refuses an unknown plan, naming ZOOM_PLAN', () => {
    const error = refusal({ ZOOM_PLAN: 'gold' });
    expect(error.variable).toBe('ZOOM_PLAN');
    expect(error.message).toMatch(/^ZOOM_PLAN /);
  });

  it('refuses a port that is not a number, naming ZOOM_SIM_PORT', () => {
    expect(refusal({ ZOOM_SIM_PORT: 'abc' }).variable).toBe('ZOOM_SIM_PORT');
  });

  it('refuses a port out of range or fractional', () => {
    expect(refusal({ ZOOM_SIM_PORT: '70000' }).variable).toBe('ZOOM_SIM_PORT');
    expect(refusal({ ZOOM_SIM_PORT: '80.5' }).variable).toBe('ZOOM_SIM_PORT');
  });

  it('refuses a zero, negative or non-numeric access-token ttl, naming the variable', () => {
    for (const value of ['0', '-5', 'soon', '100000']) {
      expect(refusal({ ZOOM_SIM_ACCESS_TOKEN_TTL_SEC: value }).variable, value).toBe(
        'ZOOM_SIM_ACCESS_TOKEN_TTL_SEC',
      );
    }
  });

  it('refuses an over-long credential, naming it', () => {
    expect(refusal({ ZOOM_CLIENT_SECRET: 'x'.repeat(300) }).variable).toBe('ZOOM_CLIENT_SECRET');
  });
});

describe('ZOOM_SIM_PUBLIC_URL', () => {
  it('is what the sim hands out as api_url when it listens on all interfaces', async () => {
    const { startZoomSim } = await import('../../zoom-sim/server.js');
    const sim = await startZoomSim(
      loadSimConfig({ ZOOM_SIM_PUBLIC_URL: 'http://sim:9090/' }, { port: 0, host: '0.0.0.0' }),
    );
    try {
      const basic = Buffer.from(`${SIM_DEFAULTS.ZOOM_CLIENT_ID}:${SIM_DEFAULTS.ZOOM_CLIENT_SECRET}`).toString(
        'base64',
      );
      const response = await fetch(
        `http://127.0.0.1:${sim.port}/oauth/token?grant_type=account_credentials&account_id=${SIM_DEFAULTS.ZOOM_ACCOUNT_ID}`,
        { method: 'POST', headers: { Authorization: `Basic ${basic}` } },
      );
      expect(response.status).toBe(200);
      expect(((await response.json()) as { api_url: string }).api_url).toBe('http://sim:9090');
    } finally {
      await sim.close();
    }
  });

  it('must be an http(s) URL, and the error names it', () => {
    expect(refusal({ ZOOM_SIM_PUBLIC_URL: 'sim:9090' }).variable).toBe('ZOOM_SIM_PUBLIC_URL');
  });
});
