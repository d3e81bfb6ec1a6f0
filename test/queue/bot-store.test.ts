import { describe, expect, it } from 'vitest';
import { BotRequestError } from '../../runner/queue/bot-errors.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { firstInMeetingAt } from '../../runner/worker/resume-situation.js';
import type { BotView } from '../../shared/bot-view.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { makeQueueLayer, request } from './queue-fixture.js';

describe('bot store', () => {
  it('appends every change to events (the last 50), counts attempts and rejoins, ends with the reason', async () => {
    const { service, store } = makeQueueLayer();
    const { bot } = await service.enqueue(OPERATOR, request());
    await store.record(bot.id, { state: 'minting' });
    await store.record(bot.id, { state: 'joining' });
    await store.record(bot.id, { state: 'in_meeting' });
    for (let i = 0; i < 30; i++) {
      await store.record(bot.id, { state: 'reconnecting', reason: 'failover' });
      await store.record(bot.id, { state: 'rejoining', reason: 'drop', code: -3000 });
      await store.record(bot.id, { state: 'minting' });
      await store.record(bot.id, { state: 'joining' });
      await store.record(bot.id, { state: 'in_meeting' });
    }
    const view = await store.apply(bot.id, {
      state: 'ended',
      endReason: 'join_refused',
      code: 3001,
      endDetail: 'Meeting does not exist.',
    });
    expect(view?.events).toHaveLength(50);
    expect(view?.events.at(-1)).toMatchObject({ state: 'ended', reason: 'join_refused', code: 3001 });
    expect(view).toMatchObject({
      state: 'ended',
      endReason: 'join_refused',
      endCode: 3001,
      endDetail: 'Meeting does not exist.',
      attempts: 31,
      rejoins: 30,
    });
    expect(Date.parse(view?.updatedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(bot.createdAt));
    // Explicit counts from the supervisor win over the store's own counting.
    const other = (await service.enqueue(OPERATOR, request())).bot;
    expect(await store.apply(other.id, { state: 'minting', attempts: 4, rejoins: 2 })).toMatchObject({
      attempts: 4,
      rejoins: 2,
    });
  });

  it('ignores changes after ended, and anything but ended after leaving', async () => {
    const { service, store } = makeQueueLayer();
    const { bot } = await service.enqueue(OPERATOR, request());
    await store.record(bot.id, { state: 'leaving', reason: 'alone' });
    await store.record(bot.id, { state: 'in_meeting' });
    expect((await store.get(bot.id))?.state).toBe('leaving');
    await store.record(bot.id, { state: 'ended', endReason: 'alone' });
    await store.record(bot.id, { state: 'in_meeting' });
    const view = await store.get(bot.id);
    expect(view).toMatchObject({ state: 'ended', endReason: 'alone' });
    expect(view?.events.map((e) => e.state)).toEqual(['queued', 'leaving', 'ended']);
    expect(await store.apply('no-such-bot', { state: 'minting' })).toBeUndefined();
  });

  it('expires ended views after the retention time, and mirrors the view into the job progress', async () => {
    const { service, store, redis, queue } = makeQueueLayer({ endedRetentionMs: 60_000 });
    const { bot } = await service.enqueue(OPERATOR, request());
    await store.record(bot.id, { state: 'minting' });
    expect((await queue.getJob(bot.id))?.progress).toMatchObject({ id: bot.id, state: 'minting' });
    expect(await redis.pttl(store.keys.bot(bot.id))).toBe(-1);
    await store.record(bot.id, { state: 'ended', endReason: 'internal_error' });
    const ttl = await redis.pttl(store.keys.bot(bot.id));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect((await queue.getJob(bot.id))?.progress).toMatchObject({
      state: 'ended',
      endReason: 'internal_error',
    });
  });

  it('publishes each change on <prefix>:bot-events', async () => {
    const { service, store, prefix } = makeQueueLayer();
    const subscriber = connectTestRedis();
    const messages: { id: string; state: string; view: BotView }[] = [];
    subscriber.on('message', (_channel: string, message: string) => messages.push(JSON.parse(message)));
    await subscriber.subscribe(`${prefix}:bot-events`);
    try {
      const { bot } = await service.enqueue(OPERATOR, request());
      await store.record(bot.id, { state: 'minting' });
      await store.record(bot.id, { state: 'ended', endReason: 'auth_failed', endDetail: 'zoom_daily_limit' });
      await expect.poll(() => messages.length).toBe(3);
      expect(messages.map((m) => m.state)).toEqual(['queued', 'minting', 'ended']);
      expect(messages[2]?.view).toMatchObject({
        id: bot.id,
        endReason: 'auth_failed',
        endDetail: 'zoom_daily_limit',
      });
    } finally {
      await subscriber.quit();
    }
  });

  it('lists newest first, in pages, filtered by state', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    let counter = 0;
    const layer = makeQueueLayer({ now: () => clock, newId: () => `bot-${counter++}` });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      // bot-3 and bot-4 share a millisecond, right at a page boundary: paging must neither skip nor
      // repeat either (equal scores come in reverse id order: bot-4 first).
      clock += i === 4 ? 0 : 1000;
      ids.push((await layer.service.enqueue(OPERATOR, request({ displayName: `Bot ${i}` }))).bot.id);
    }
    for (const id of [ids[1], ids[3], ids[4], ids[6]])
      await layer.store.record(id ?? '', { state: 'minting' });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await layer.service.list(OPERATOR, { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['bot-6', 'bot-5', 'bot-4', 'bot-3', 'bot-2', 'bot-1', 'bot-0']);

    const minting: string[] = [];
    cursor = undefined;
    do {
      const page = await layer.service.list(OPERATOR, {
        state: 'minting',
        limit: '2',
        ...(cursor ? { cursor } : {}),
      });
      minting.push(...page.items.map((b) => b.id));
      for (const item of page.items) expect(item.state).toBe('minting');
      cursor = page.nextCursor;
    } while (cursor);
    expect(minting).toEqual(['bot-6', 'bot-4', 'bot-3', 'bot-1']);

    const queued = await layer.service.list(OPERATOR, { state: 'queued' });
    expect(queued.items.map((b) => b.id)).toEqual(['bot-5', 'bot-2', 'bot-0']);
    expect(queued.nextCursor).toBeUndefined();

    await expect(layer.service.list(OPERATOR, { state: 'sleeping' as 'queued' })).rejects.toMatchObject({
      field: 'state',
    });
    await expect(layer.service.list(OPERATOR, { limit: 0 })).rejects.toBeInstanceOf(BotRequestError);
    await expect(layer.service.list(OPERATOR, { cursor: 'nonsense' })).rejects.toMatchObject({
      field: 'cursor',
    });
  });

  it('drops ended bots from listing and indexes once their views expire', async () => {
    const layer = makeQueueLayer({ endedRetentionMs: 50 });
    const gone = (await layer.service.enqueue(OPERATOR, request())).bot.id;
    const kept = (await layer.service.enqueue(OPERATOR, request())).bot.id;
    await layer.store.record(gone, { state: 'ended', endReason: 'alone' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await layer.service.list(OPERATOR)).items.map((b) => b.id)).toEqual([kept]);
    expect(await layer.service.list(OPERATOR, { state: 'ended' })).toEqual({ items: [] });
    expect(await layer.redis.zscore(layer.store.keys.allIndex, gone)).toBeNull();
    // Ending another bot also prunes expired entries of the ended index, without any listing.
    const third = (await layer.service.enqueue(OPERATOR, request())).bot.id;
    await layer.store.record(third, { state: 'ended', endReason: 'alone' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await layer.store.record(kept, { state: 'ended', endReason: 'alone' });
    expect(await layer.redis.zscore(layer.store.keys.stateIndex('ended'), third)).toBeNull();
  });
});

describe('bot store: the first in_meeting, where max_duration counts from', () => {
  it('is kept once, across rejoins and later runs, and the worker reads it back', async () => {
    let now = Date.parse('2030-01-01T10:00:00.000Z');
    const { service, store } = makeQueueLayer({ now: () => now });
    const { bot } = await service.enqueue(OPERATOR, request());
    await store.record(bot.id, { state: 'minting' });
    await store.record(bot.id, { state: 'joining' });
    expect(firstInMeetingAt(await store.getStored(bot.id))).toBeUndefined();
    now += 5_000;
    const firstIn = now;
    await store.record(bot.id, { state: 'in_meeting' });
    // A handoff, and another worker's run: its own in_meeting moves nothing.
    for (const state of ['rejoining', 'minting', 'joining', 'in_meeting'] as const) {
      now += 60_000;
      await store.record(bot.id, { state });
    }
    const stored = await store.getStored(bot.id);
    expect(stored?.meta.firstInMeetingAt).toBe(new Date(firstIn).toISOString());
    expect(firstInMeetingAt(stored)).toBe(firstIn);
  });

  it('a record from before the field: its first in_meeting event counts, and is stored at the next one', async () => {
    let now = Date.parse('2030-01-01T10:00:00.000Z');
    const { service, store, redis } = makeQueueLayer({ now: () => now });
    const { bot } = await service.enqueue(OPERATOR, request());
    const firstIn = now;
    await store.record(bot.id, { state: 'in_meeting' });
    now += 60_000;
    await store.record(bot.id, { state: 'rejoining', reason: 'drop' });
    // As an older version stored it: no `firstInMeetingAt`.
    const raw = JSON.parse((await redis.get(store.keys.bot(bot.id))) ?? '{}');
    delete raw.meta.firstInMeetingAt;
    await redis.set(store.keys.bot(bot.id), JSON.stringify(raw));
    expect(firstInMeetingAt(await store.getStored(bot.id))).toBe(firstIn);
    now += 60_000;
    await store.record(bot.id, { state: 'in_meeting' });
    expect((await store.getStored(bot.id))?.meta.firstInMeetingAt).toBe(new Date(firstIn).toISOString());
  });
});
