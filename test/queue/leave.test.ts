import { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { BotNotFoundError } from '../../runner/queue/bot-errors.js';
import type { BotJob } from '../../runner/queue/bot-queue.js';
import { LeaveChannel } from '../../runner/queue/leave-channel.js';
import { BOT_QUEUE_NAME } from '../../runner/queue/queue-names.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { makeQueueLayer, request } from './queue-fixture.js';

describe('leave', () => {
  it('ends a queued bot at once, removes its job and frees its seat', async () => {
    const { service, queue, leaves } = makeQueueLayer();
    const { bot } = await service.enqueue(OPERATOR, request({ auth: { type: 'zak' }, dedupeKey: 'k' }));
    const view = await service.leave(OPERATOR, bot.id);
    expect(view).toMatchObject({ id: bot.id, state: 'ended', endReason: 'left_by_request' });
    expect(await queue.getJob(bot.id)).toBeUndefined();
    expect(await leaves.isLeaveRequested(bot.id)).toBe(true);
    // Seat and dedupe key are free again.
    const next = await service.enqueue(OPERATOR, request({ auth: { type: 'zak' }, dedupeKey: 'k' }));
    expect(next.created).toBe(true);
    // Leaving again answers the ended view.
    expect(await service.leave(OPERATOR, bot.id)).toMatchObject({
      state: 'ended',
      endReason: 'left_by_request',
    });
  });

  it('ends a scheduled bot at once', async () => {
    const { service, queue } = makeQueueLayer();
    const { bot } = await service.enqueue(
      OPERATOR,
      request({ joinAt: new Date(Date.now() + 60_000).toISOString() }),
    );
    expect(await service.leave(OPERATOR, bot.id)).toMatchObject({
      state: 'ended',
      endReason: 'left_by_request',
    });
    expect(await queue.getJob(bot.id)).toBeUndefined();
  });

  it('flags a bot a worker holds, tells a subscriber on another connection, and answers leaving', async () => {
    const { service, store, prefix } = makeQueueLayer();
    const { bot } = await service.enqueue(OPERATOR, request());

    // The worker side: its own connections, as in another process.
    const workerRedis = connectTestRedis();
    workerRedis.options.maxRetriesPerRequest = null;
    const workerLeaves = new LeaveChannel({ redis: workerRedis, prefix });
    const heard: string[] = [];
    const subscription = await workerLeaves.subscribe((id) => heard.push(id));
    const worker = new Worker(BOT_QUEUE_NAME, null, { connection: workerRedis, prefix, autorun: false });
    try {
      const job = (await worker.getNextJob('holder')) as BotJob;
      expect(job.id).toBe(bot.id);
      await store.record(bot.id, { state: 'minting' });
      await store.record(bot.id, { state: 'joining' });
      expect(await workerLeaves.isLeaveRequested(bot.id)).toBe(false);

      const view = await service.leave(OPERATOR, bot.id);
      expect(view).toMatchObject({ state: 'leaving' });
      expect(view.events.at(-1)).toMatchObject({ state: 'leaving', reason: 'left_by_request' });
      await expect.poll(() => heard).toEqual([bot.id]);
      expect(await workerLeaves.isLeaveRequested(bot.id)).toBe(true);
      expect(await job.isActive()).toBe(true);

      // The supervisor's late progress does not undo the leave; its end does.
      await store.record(bot.id, { state: 'in_meeting' });
      expect((await service.get(OPERATOR, bot.id)).state).toBe('leaving');
      await store.record(bot.id, { state: 'ended', endReason: 'left_by_request' });
      expect(await service.get(OPERATOR, bot.id)).toMatchObject({
        state: 'ended',
        endReason: 'left_by_request',
      });
    } finally {
      await subscription.close();
      await subscription.close();
      await worker.close();
      await workerRedis.quit();
    }
  });

  it('answers 404 for unknown ids', async () => {
    const { service } = makeQueueLayer();
    for (const id of ['00000000-0000-0000-0000-000000000000', 'x'.repeat(300)]) {
      await expect(service.leave(OPERATOR, id)).rejects.toBeInstanceOf(BotNotFoundError);
      await expect(service.get(OPERATOR, id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
      await expect(service.events(OPERATOR, id)).rejects.toBeInstanceOf(BotNotFoundError);
    }
  });
});
