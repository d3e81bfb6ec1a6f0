import { describe, expect, it } from 'vitest';
import type { BotView } from '../../shared/bot-view.js';
import { errorBodySchema } from '../../shared/error-body.js';
import { openSse } from '../meeting-events/meeting-rig.js';
import { API_KEY, type ApiFixture, botRequest, startApi } from './api-fixture.js';

/**
 * docs/contract.md §10/§11: a key is checked once per request, so a meeting-event stream (a request
 * that lasts) re-checks a key in Redis once a second and ends once it is revoked, on every api process.
 * The bots stay queued (no worker): their streams stay open with nothing to send until something ends them.
 */
async function redisKey(api: ApiFixture) {
  return api.layer.apiKeys.create({
    tenant: 'default',
    admin: false,
    zoomUsers: [],
    maxLiveBots: 100,
    ratePerSec: 100,
  });
}

async function enqueue(api: ApiFixture, key: string): Promise<BotView> {
  const response = await api.call('/v1/bots', {
    method: 'POST',
    json: botRequest(),
    headers: { Authorization: `Bearer ${key}` },
  });
  expect(response.status).toBe(201);
  return (await response.json()) as BotView;
}

async function follow(api: ApiFixture, botId: string, key: string) {
  const stream = await openSse(`${api.url}/v1/bots/${botId}/meeting-events/stream`, {
    Authorization: `Bearer ${key}`,
  });
  expect(stream.response.status).toBe(200);
  await expect.poll(() => stream.frames.some((f) => f.comment === 'connected')).toBe(true);
  return stream;
}

type Stream = Awaited<ReturnType<typeof follow>>;

function expectRevokedEnd(stream: Stream) {
  expect(stream.ended).toBe(true);
  const last = stream.frames.at(-1);
  expect(last?.event).toBe('error');
  expect(errorBodySchema.parse(JSON.parse(last?.data ?? '')).error.code).toBe('unauthorized');
  expect(stream.frames.some((f) => f.event === 'end')).toBe(false);
}

describe('a meeting-event stream and its key', () => {
  it('ends within 2 s of the revocation of its key in Redis, on every api process', async () => {
    const first = await startApi();
    const second = await startApi({}, { prefix: first.prefix });
    const { key, record } = await redisKey(first);
    const bot = await enqueue(first, key);
    const streams = [await follow(first, bot.id, key), await follow(second, bot.id, key)];
    // Open well past one re-check while the key is valid: a check that finds it does not end anything.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const stream of streams) expect(stream.ended).toBe(false);

    expect(await second.layer.apiKeys.revoke(record.id)).toBe(true);
    const revokedAt = Date.now();
    await expect.poll(() => streams.every((s) => s.ended), { timeout: 2_000, interval: 20 }).toBe(true);
    expect(Date.now() - revokedAt).toBeLessThan(2_000);
    for (const stream of streams) expectRevokedEnd(stream);

    for (const api of [first, second]) {
      const headers = { Authorization: `Bearer ${key}` };
      expect((await api.call(`/v1/bots/${bot.id}`, { headers })).status).toBe(401);
      const again = await api.call(`/v1/bots/${bot.id}/meeting-events/stream`, { headers });
      expect(again.status).toBe(401);
      await again.body?.cancel();
    }
  });

  it('leaves the streams of API_KEYS keys and of other keys in Redis open when a key is revoked', async () => {
    const api = await startApi();
    const kept = await redisKey(api);
    const doomed = await redisKey(api);
    const bot = await enqueue(api, API_KEY);
    const envStream = await follow(api, bot.id, API_KEY);
    const keptStream = await follow(api, bot.id, kept.key);
    const doomedStream = await follow(api, bot.id, doomed.key);

    expect(await api.layer.apiKeys.revoke(doomed.record.id)).toBe(true);
    await expect.poll(() => doomedStream.ended, { timeout: 2_000, interval: 20 }).toBe(true);
    expectRevokedEnd(doomedStream);
    // Two more re-checks of the kept key: still open, and still delivering (the bot's end).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect([envStream.ended, keptStream.ended]).toEqual([false, false]);
    expect((await api.call(`/v1/bots/${bot.id}`, { method: 'DELETE' })).status).toBe(202);
    await Promise.all([envStream.finished(), keptStream.finished()]);
    for (const stream of [envStream, keptStream]) {
      expect(stream.frames.at(-1)).toMatchObject({ event: 'end' });
      expect(stream.frames.some((f) => f.event === 'error')).toBe(false);
    }
  });
});
