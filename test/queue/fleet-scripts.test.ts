import { describe, expect, it } from 'vitest';
import { readLiveBots } from '../../runner/dashboard/fleet-bots.js';
import { readFleetHistory } from '../../runner/dashboard/fleet-history.js';
import { fleetCardsKey } from '../../runner/queue/fleet-cards.js';
import { FLEET_MINUTE_TTL_SEC, fleetMinuteKey } from '../../runner/queue/fleet-minutes.js';
import { queueKeys } from '../../runner/queue/queue-names.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { keysUnder, makeQueueLayer, request } from './queue-fixture.js';

type Redis = ReturnType<typeof makeQueueLayer>['redis'];

/** Every minute counter under `prefix`, summed field by field (a test may straddle a minute). */
async function summedMinutes(redis: Redis, prefix: string): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (const key of await keysUnder(redis, `${prefix}:fleet:minute`)) {
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(FLEET_MINUTE_TTL_SEC);
    for (const [field, value] of Object.entries(await redis.hgetall(key)))
      sums[field] = (sums[field] ?? 0) + Number(value);
  }
  return sums;
}

/** Redis' minute, after waiting out the last seconds of one so a test's writes stay in it. */
async function settledMinute(redis: Redis): Promise<number> {
  let [seconds] = await redis.time();
  if (Number(seconds) % 60 > 54) {
    await new Promise((resolve) => setTimeout(resolve, (61 - (Number(seconds) % 60)) * 1000));
    [seconds] = await redis.time();
  }
  return Math.floor(Number(seconds) / 60);
}

describe('fleet minute counters (kept by the store scripts)', () => {
  it('count every change: states in and out, ends by reason, rejoins by why', async () => {
    const { prefix, redis, service, store } = makeQueueLayer();
    const { bot: a } = await service.enqueue(OPERATOR, request({ displayName: 'A' }));
    const { bot: b } = await service.enqueue(
      OPERATOR,
      request({ displayName: 'B', meetingNumber: '999 888 7777' }),
    );
    for (const state of ['minting', 'joining', 'in_meeting'] as const) await store.record(a.id, { state });
    await store.record(a.id, { state: 'rejoining', reason: 'drop' });
    for (const state of ['minting', 'joining', 'in_meeting'] as const) await store.record(a.id, { state });
    await store.record(a.id, { state: 'rejoining', reason: 'Not a label!' });
    await store.record(a.id, { state: 'ended', endReason: 'kicked' });
    await store.record(b.id, { state: 'ended', endReason: 'left_by_request' });
    // Ignored by the script (the bot has ended): not counted either.
    await store.record(b.id, { state: 'in_meeting' });

    expect(await summedMinutes(redis, prefix)).toEqual({
      'd:queued': 0,
      'd:minting': 0,
      'd:joining': 0,
      'd:in_meeting': 0,
      'd:rejoining': 0,
      'd:ended': 2,
      'rejoin:drop': 1,
      'rejoin:other': 1,
      'end:kicked': 1,
      'end:left_by_request': 1,
    });
  });

  it('give the count of each state at the end of every minute of the last hour, walked back from now', async () => {
    const { prefix, redis } = makeQueueLayer();
    const keys = queueKeys(prefix);
    const now = await settledMinute(redis);
    // Three bots in their meetings now; five got in ten minutes ago, two left five minutes ago.
    await redis.zadd(keys.stateIndex('in_meeting'), 1, 'x', 2, 'y', 3, 'z');
    await redis.zadd(keys.stateIndex('ended'), 1, 'old');
    await redis.hincrby(fleetMinuteKey(prefix, now - 10), 'd:in_meeting', 5);
    await redis.hincrby(fleetMinuteKey(prefix, now - 5), 'd:in_meeting', -2);
    await redis.hincrby(fleetMinuteKey(prefix, now - 5), 'end:kicked', 2);
    await redis.hincrby(fleetMinuteKey(prefix, now - 70), 'rejoin:drop', 9);
    await redis.hincrby(fleetMinuteKey(prefix, now), 'rejoin:drop', 1);

    const history = await readFleetHistory(redis, prefix, keys);
    expect(history.fromMinute).toBe(now - 59);
    expect(history.counts).toMatchObject({ in_meeting: 3, ended: 1, queued: 0 });
    expect(history.states.in_meeting).toEqual([
      ...new Array(49).fill(0),
      ...new Array(5).fill(5),
      ...new Array(6).fill(3),
    ]);
    expect(history.states.queued).toEqual(new Array(60).fill(0));
    // Older than an hour: not shown.
    expect(history.rejoins).toEqual({ drop: [...new Array(59).fill(0), 1] });
    expect(history.ends.kicked?.[54]).toBe(2);
    expect(history.states.ended).toBeUndefined();
  });
});

describe('fleet cards (kept by the store scripts)', () => {
  it('a live bot has a card of what the page shows, updated on each change and gone when it ends', async () => {
    const { prefix, redis, service, store } = makeQueueLayer();
    const { bot } = await service.enqueue(
      OPERATOR,
      request({ displayName: 'Carded', passcode: 'pc-CARD-SECRET-1', metadata: { k: 'md-CARD-SECRET-2' } }),
    );
    const card = async () => JSON.parse((await redis.hget(fleetCardsKey(prefix), bot.id)) ?? 'null');
    expect(await card()).toMatchObject({ id: bot.id, state: 'queued', displayName: 'Carded', rejoins: 0 });
    for (const state of ['minting', 'joining', 'in_meeting'] as const) await store.record(bot.id, { state });
    await store.record(bot.id, { state: 'rejoining', reason: 'drop' });
    expect(await card()).toEqual({
      id: bot.id,
      state: 'rejoining',
      displayName: 'Carded',
      meetingNumber: '1234567890',
      tenant: 'default',
      attempts: 1,
      rejoins: 1,
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(await redis.hgetall(fleetCardsKey(prefix)))).not.toMatch(/SECRET/);
    await store.record(bot.id, { state: 'ended', endReason: 'kicked' });
    expect(await card()).toBeNull();
  });

  it('a live bot without a card (stored before cards) is read from its view; a stale card is ignored', async () => {
    const { prefix, redis, service, store } = makeQueueLayer();
    const keys = queueKeys(prefix);
    const { bot: old } = await service.enqueue(OPERATOR, request({ displayName: 'Old' }));
    const { bot: gone } = await service.enqueue(
      OPERATOR,
      request({ displayName: 'Gone', meetingNumber: '222 333 4444' }),
    );
    await store.record(old.id, { state: 'minting' });
    await redis.hdel(fleetCardsKey(prefix), old.id);
    await store.record(gone.id, { state: 'ended', endReason: 'left_by_request' });
    await redis.hset(fleetCardsKey(prefix), gone.id, JSON.stringify({ id: gone.id, state: 'in_meeting' }));
    const bots = await readLiveBots(redis, prefix, keys);
    expect(bots.map((b) => [b.displayName, b.state])).toEqual([['Old', 'minting']]);
  });
});
