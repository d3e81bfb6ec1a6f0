import { describe, expect, it } from 'vitest';
import type { BotJob } from '../../runner/queue/bot-queue.js';
import { STALL_LIMIT_REASON } from '../../runner/queue/failed-job-end.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { endBotOfFailedJob } from '../../runner/worker/failed-job.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { makeQueueLayer, request } from '../queue/queue-fixture.js';

describe('a bot job BullMQ failed ends its bot (the worker’s `failed` event)', () => {
  it('the stall limit ends the bot too_many_stalls, frees its claims, its Zoom user and its "our bots" entry', async () => {
    const { service, store, queue, crypto } = makeQueueLayer();
    const seat = { auth: { type: 'zak', user: 'seat@example.com' }, dedupeKey: 'poison' };
    const { bot } = await service.enqueue(OPERATOR, request(seat));
    await store.record(bot.id, { state: 'minting' });
    await store.record(bot.id, { state: 'joining' });
    const job = (await queue.getJob(bot.id)) as BotJob;
    job.failedReason = STALL_LIMIT_REASON;
    const released: string[] = [];
    const removed: string[] = [];
    await endBotOfFailedJob(job, new Error(STALL_LIMIT_REASON), {
      recorder: store,
      credentials: {
        mint: async () => ({ signature: 's' }),
        release: async (botId) => {
          released.push(botId);
        },
      },
      ourBots: {
        remove: async (meetingNumber, botId) => {
          removed.push(`${meetingNumber}/${botId}`);
        },
      },
      crypto: async () => crypto,
      logger: captureLogger('warn').logger,
    });
    expect(await service.get(OPERATOR, bot.id)).toMatchObject({
      state: 'ended',
      endReason: 'internal_error',
      endDetail: 'too_many_stalls',
    });
    expect((await service.get(OPERATOR, bot.id)).events.at(-1)).toMatchObject({
      state: 'ended',
      reason: 'too_many_stalls',
    });
    expect(released).toEqual([bot.id]);
    expect(removed).toEqual([`${job.data.request.meetingNumber}/${bot.id}`]);
    expect((await service.enqueue(OPERATOR, request(seat))).created).toBe(true);
  });

  it('a bot that had already ended keeps its end', async () => {
    const { service, store, queue, crypto } = makeQueueLayer();
    const { bot } = await service.enqueue(OPERATOR, request());
    await store.record(bot.id, { state: 'ended', endReason: 'invalid_request', endDetail: 'job data x' });
    const job = (await queue.getJob(bot.id)) as BotJob;
    await endBotOfFailedJob(job, new Error('invalid_request: job data x'), {
      recorder: store,
      credentials: { mint: async () => ({ signature: 's' }) },
      ourBots: { remove: async () => {} },
      crypto: async () => crypto,
      logger: captureLogger('warn').logger,
    });
    expect(await service.get(OPERATOR, bot.id)).toMatchObject({
      endReason: 'invalid_request',
      endDetail: 'job data x',
    });
  });
});
