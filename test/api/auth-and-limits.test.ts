import { describe, expect, it, vi } from 'vitest';
import { errorBodySchema } from '../../shared/error-body.js';
import { API_KEY, botRequest, OTHER_KEY, startApi } from './api-fixture.js';

async function errorOf(response: Response) {
  return errorBodySchema.parse(await response.json()).error;
}

describe('API keys', () => {
  it('refuses a request without a key, with a Bearer challenge', async () => {
    const api = await startApi();
    const response = await api.call('/v1/bots', { headers: { Authorization: '' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await errorOf(response)).toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a wrong key, a key of another scheme and a prefix of a right key', async () => {
    const api = await startApi();
    for (const header of ['Bearer nope', `Basic ${API_KEY}`, `Bearer ${API_KEY.slice(0, -1)}`]) {
      const response = await api.call('/v1/bots', { headers: { Authorization: header } });
      expect(response.status, header).toBe(401);
      expect((await errorOf(response)).message).toBe(
        header.startsWith('Bearer') ? 'Invalid API key' : 'Missing API key: send Authorization: Bearer <key>',
      );
    }
  });

  it('accepts every configured key', async () => {
    const api = await startApi();
    for (const key of [API_KEY, OTHER_KEY]) {
      const response = await api.call('/v1/bots', { headers: { Authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
    }
  });

  it('with API_KEYS unset refuses every /v1 request and says to set API_KEYS', async () => {
    const api = await startApi({ API_KEYS: '' });
    for (const path of ['/v1/bots', '/v1/openapi.json']) {
      const response = await api.call(path);
      expect(response.status).toBe(401);
      expect((await errorOf(response)).message).toContain('set API_KEYS');
    }
  });

  it('leaves /livez, /readyz and /metrics open on the same port', async () => {
    const api = await startApi();
    const headers = { Authorization: '' };
    expect((await api.call('/livez', { headers })).status).toBe(200);
    const ready = await api.call('/readyz', { headers });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    expect((await api.call('/metrics', { headers })).status).toBe(200);
  });
});

describe('request limits and malformed requests', () => {
  it('refuses a body over 64 KiB with 413', async () => {
    const api = await startApi();
    const response = await api.call('/v1/bots', {
      method: 'POST',
      json: botRequest({ metadata: { big: 'x'.repeat(70 * 1024) } }),
    });
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatchObject({ code: 'payload_too_large' });
  });

  it('refuses bad JSON with 400', async () => {
    const api = await startApi();
    const response = await api.call('/v1/bots', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"meetingNumber": ',
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'bad_json' });
  });

  it('answers an unknown route with the error body and 404', async () => {
    const api = await startApi();
    const response = await api.call('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: 'not_found' });
  });

  it('a failure inside turns into a 500 that names nothing of it, logged once', async () => {
    const api = await startApi();
    vi.spyOn(api.layer.store, 'create').mockRejectedValue(
      new Error('ERR internals at redis://user:pw@10.0.0.5:6379 in bot-store.lua'),
    );
    const response = await api.call('/v1/bots', { method: 'POST', json: botRequest() });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { code: 'internal_error', message: 'Internal server error' },
    });
    expect(api.logLines.filter((l) => l.includes('api request failed'))).toHaveLength(1);
  });
});

describe('the dashboard on the API port', () => {
  it('is off (404) without DASHBOARD_USER/PASSWORD', async () => {
    const api = await startApi();
    expect((await api.call('/admin/queues')).status).toBe(404);
  });

  it('asks for its own login, not an API key', async () => {
    const api = await startApi({ DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'dash-pass-123' });
    expect((await api.call('/admin/queues')).status).toBe(401);
    const login = `Basic ${Buffer.from('ops:dash-pass-123').toString('base64')}`;
    expect((await api.call('/admin/queues', { headers: { Authorization: login } })).status).toBe(200);
  });
});
