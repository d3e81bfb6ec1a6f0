import { DelayedError, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { type BotJob, requeueForRejoin } from '../../runner/queue/bot-queue.js';
import { BOT_QUEUE_NAME, REJOIN_PRIORITY } from '../../runner/queue/queue-names.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { makeQueueLayer, request } from './queue-fixture.js';

describe('requeueForRejoin', () => {
  it('puts a held bot back ahead of every new join', async () => {
    const { service, prefix } = makeQueueLayer();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await service.enqueue(OPERATOR, request({ displayName: `Bot ${i}` }))).bot.id);

    const connection = connectTestRedis();
    connection.options.maxRetriesPerRequest = null;
    // No processor: jobs are taken by hand, as a test can then hold one with a known token.
    const worker = new Worker(BOT_QUEUE_NAME, null, { connection, prefix, autorun: false });
    try {
      const token = 'test-worker-token';
      const first = (await worker.getNextJob(token)) as BotJob;
      expect(first.id).toBe(ids[0]);
      await requeueForRejoin(first, token);

      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        const job = (await worker.getNextJob(token)) as BotJob | undefined;
        if (!job?.id) break;
        order.push(job.id);
        await job.moveToCompleted(undefined, token, false);
      }
      expect(order).toEqual([ids[0], ids[1], ids[2], ids[3]]);
      expect((await service.get(OPERATOR, ids[0] ?? '')).id).toBe(ids[0]);
    } finally {
      await worker.close();
      await connection.quit();
    }
  });

  it('is what a processor calls before throwing DelayedError: the job runs again, first', async () => {
    const { service, prefix, queue } = makeQueueLayer();
    const rejoiner = (await service.enqueue(OPERATOR, request({ displayName: 'Rejoiner' }))).bot.id;

    const connection = connectTestRedis();
    connection.options.maxRetriesPerRequest = null;
    const seen: string[] = [];
    let handedOff = false;
    const worker = new Worker(
      BOT_QUEUE_NAME,
      async (job: BotJob, token?: string) => {
        seen.push(job.id ?? '');
        if (!handedOff && token) {
          handedOff = true;
          // New joins arrive while the bot is being handed off: the rejoin must still go first.
          for (let i = 0; i < 3; i++) await service.enqueue(OPERATOR, request({ displayName: `New ${i}` }));
          await requeueForRejoin(job, token);
          throw new DelayedError();
        }
      },
      { connection, prefix, concurrency: 1 },
    );
    try {
      await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(5);
      expect(seen[0]).toBe(rejoiner);
      expect(seen[1]).toBe(rejoiner);
      expect((await queue.getJob(rejoiner))?.priority).toBe(REJOIN_PRIORITY);
    } finally {
      await worker.close();
      await connection.quit();
    }
  });
});
