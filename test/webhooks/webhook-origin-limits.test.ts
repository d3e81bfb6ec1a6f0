import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import { webhookKeys } from '../../runner/webhooks/webhook-keys.js';
import { createBot, createRig, startReceiver, types, until } from './webhook-fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('webhook lanes per receiver origin', () => {
  it('a receiver that never answers holds at most its origin’s slots, fleet-wide; another receiver’s events arrive at once', async () => {
    const rig = createRig();
    const dead = await startReceiver(() => ({ status: 200, delayMs: 60_000 }));
    const healthy = await startReceiver();
    // Two processes with 3 delivery slots each: without a per-origin limit, the 8 bots of the dead
    // receiver would fill all 6 for the whole 6 s timeout, and the healthy receiver would wait.
    const settings = { concurrency: 3, originConcurrency: 2, timeoutMs: 6_000, maxAttempts: 100 };
    rig.start({ origin: [dead.origin, healthy.origin], settings });
    rig.start({ origin: [dead.origin, healthy.origin], settings });
    const stuck = await Promise.all(
      Array.from({ length: 8 }, () => createBot(rig.store, `${dead.origin}/hooks?token=dead-secret`)),
    );
    for (const id of stuck) await rig.store.record(id, { state: 'minting' });
    await until(() => dead.load.open === 2);

    const started = Date.now();
    const fine = await Promise.all([1, 2, 3].map(() => createBot(rig.store, `${healthy.origin}/hooks`)));
    for (const id of fine) {
      await rig.store.record(id, { state: 'minting' });
      await rig.store.record(id, { state: 'joining' });
    }
    await until(() => healthy.received.length === 9, 5_000);
    // All of it before any try at the dead receiver timed out: none of them waited for one.
    expect(Date.now() - started).toBeLessThan(settings.timeoutMs);
    expect(dead.received).toHaveLength(2);
    for (const id of fine) {
      expect(types(healthy.received.filter((r) => r.body.bot.id === id))).toEqual([
        'bot.queued',
        'bot.minting',
        'bot.joining',
      ]);
    }
    // Past one timeout: the tries that timed out handed their slots on, still two at a time.
    await until(() => dead.received.length >= 4, 10_000);
    expect(dead.load.maxOpen).toBe(2);
    // Each stuck bot's first event is tried before its second: order per bot holds while stuck.
    for (const id of stuck) {
      const tried = types(dead.received.filter((r) => r.body.bot.id === id));
      expect(tried.every((type) => type === 'bot.queued')).toBe(true);
    }
    expect(rig.logLines.join('')).not.toContain('dead-secret');
  });

  it('wakes a lane parked for its origin as soon as a slot frees, not after originWaitMs', async () => {
    const rig = createRig();
    const receiver = await startReceiver(() => ({ status: 200, delayMs: 100 }));
    rig.start({
      origin: receiver.origin,
      settings: { originConcurrency: 1, originWaitMs: 20_000, timeoutMs: 2_000 },
    });
    const started = Date.now();
    const bots = await Promise.all([1, 2, 3, 4, 5].map(() => createBot(rig.store, `${receiver.origin}/h`)));
    await until(() => receiver.received.length === 5, 15_000);
    // Five answers of 100 ms one after another, plus the hand-overs: far from one 20 s re-check.
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(receiver.load.maxOpen).toBe(1);
    expect(receiver.received.map((r) => r.body.bot.id).sort()).toEqual([...bots].sort());
  });

  it('over the backlog cap drops the origin’s oldest pending events: counted, logged once by origin, the newest kept', async () => {
    const rig = createRig();
    let up = false;
    const answered: string[] = [];
    const receiver = await startReceiver((request) => {
      if (up) answered.push(request.body.type);
      return { status: up ? 200 : 503 };
    });
    const metrics = new RunnerMetrics();
    rig.start({
      origin: receiver.origin,
      metrics,
      settings: { originBacklogMax: 4, maxAttempts: 1_000, backoffBaseMs: 100, backoffMaxMs: 100 },
    });
    const id = await createBot(rig.store, `${receiver.origin}/hooks?token=s3cret`);
    const states = [
      'minting',
      'joining',
      'in_meeting',
      'reconnecting',
      'in_meeting',
      'reconnecting',
    ] as const;
    const recorded = ['bot.queued', ...[...states, 'in_meeting', 'leaving', 'ended'].map((s) => `bot.${s}`)];
    for (const state of states) await rig.store.record(id, { state });
    await rig.store.record(id, { state: 'in_meeting' });
    await rig.store.record(id, { state: 'leaving' });
    await rig.store.record(id, { state: 'ended', endReason: 'left_by_request' });

    await expect
      .poll(() => metrics.text())
      .toContain(`zbr_webhook_dropped_total{reason="backlog_full"} ${recorded.length - 4}`);
    // What waits in Redis for this receiver is the cap, no more.
    const keys = webhookKeys(rig.prefix);
    expect(await rig.redis.llen(keys.lane(`bot:${id}`))).toBe(4);
    // A few more refused tries of the new head, then the receiver is back.
    await sleep(300);
    up = true;
    await until(() => answered.length === 4, 5_000);
    await sleep(300);
    expect(answered).toEqual(recorded.slice(-4));
    expect(await rig.redis.llen(keys.backlog(receiver.origin))).toBe(0);

    const warnings = rig.logLines.filter((line) => line.includes('oldest pending events were dropped'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({ origin: receiver.origin, level: 40 });
    expect(rig.logLines.join('')).not.toContain('s3cret');
  });

  it('still delivers a lane item queued by the previous version (no origin named)', async () => {
    const rig = createRig();
    const receiver = await startReceiver();
    const keys = webhookKeys(rig.prefix);
    const id = randomUUID();
    const lane = `bot:${id}`;
    const view = {
      id,
      state: 'queued',
      meetingNumber: '123456789',
      displayName: 'Bot',
      attempts: 0,
      rejoins: 0,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      events: [],
    };
    // As the pump of the previous version left it: an item without `origin`, its lane job's flag set.
    await rig.redis.rpush(
      keys.lane(lane),
      JSON.stringify({
        eventId: '1-0',
        url: `${receiver.origin}/old`,
        event: { id, state: 'queued', at: view.createdAt, view },
      }),
    );
    await rig.redis.set(keys.laneJob(lane), 'wh.old-1');
    await rig.redis.sadd(keys.activeLanes, lane);
    rig.start({ origin: receiver.origin });
    await until(() => receiver.received.length === 1);
    expect(receiver.received[0]?.body).toMatchObject({ id: '1-0', type: 'bot.queued', bot: { id } });
    // Its lane is released once empty, as any other.
    await expect.poll(() => rig.redis.exists(keys.laneJob(lane))).toBe(0);
  });
});
