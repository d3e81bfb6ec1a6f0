import { describe, expect, it } from 'vitest';
import { botRequest, startApi } from './api-fixture.js';

const DAY_MS = 24 * 3600 * 1000;
const ahead = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('MAX_JOIN_AHEAD_SEC (deployment limit)', () => {
  it('refuses a joinAt more than 30 days ahead by default (422 naming joinAt), takes one within', async () => {
    const api = await startApi();
    const far = await api.call('/v1/bots', {
      method: 'POST',
      json: botRequest({ joinAt: ahead(31 * DAY_MS) }),
    });
    expect(far.status).toBe(422);
    expect(await far.json()).toMatchObject({
      error: {
        code: 'validation_failed',
        field: 'joinAt',
        message: expect.stringContaining('MAX_JOIN_AHEAD_SEC'),
      },
    });
    const near = await api.call('/v1/bots', {
      method: 'POST',
      json: botRequest({ joinAt: ahead(29 * DAY_MS) }),
    });
    expect(near.status).toBe(201);
    expect(await near.json()).toMatchObject({ state: 'scheduled' });
  });

  it('follows the configured limit', async () => {
    const api = await startApi({ MAX_JOIN_AHEAD_SEC: '3600' });
    const far = await api.call('/v1/bots', {
      method: 'POST',
      json: botRequest({ joinAt: ahead(2 * 3600_000) }),
    });
    expect(far.status).toBe(422);
    expect(await far.json()).toMatchObject({ error: { field: 'joinAt' } });
    const near = await api.call('/v1/bots', {
      method: 'POST',
      json: botRequest({ joinAt: ahead(1800_000) }),
    });
    expect(near.status).toBe(201);
    // Nothing was queued for the refused one.
    expect(await api.layer.queue.count()).toBe(1);
  });
});
