import { Worker } from 'bullmq';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BOT_QUEUE_NAME } from '../../runner/queue/queue-names.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { TEST_REDIS_URL } from '../../testkit/redis.js';
import { makeQueueLayer, request } from './queue-fixture.js';

/**
 * docs/contract.md §12: the store refuses writes about a bot from a worker that no longer holds its
 * job lock. Two real BullMQ workers take the same job in turn (the first one's lock lapses and the
 * stall check hands the job on), as after a frozen or partitioned worker.
 */
describe('bot store fencing by lock token', () => {
  it('a worker whose lock passed to another cannot overwrite the live view; the holder and the API can write', async () => {
    const { prefix, service, store } = makeQueueLayer();
    const worker = (name: string) => {
      const w = new Worker(BOT_QUEUE_NAME, null, {
        connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null },
        prefix,
        name,
        lockDuration: 1_000,
        stalledInterval: 100,
        maxStalledCount: 10,
      });
      onTestFinished(() => w.close());
      return w;
    };
    const first = worker('first');
    const second = worker('second');
    const { bot } = await service.enqueue(OPERATOR, request());

    const oldJob = await first.getNextJob('token-first');
    expect(oldJob?.id).toBe(bot.id);
    await store.record(bot.id, { state: 'in_meeting' }, { lockToken: 'token-first' });
    expect((await store.get(bot.id))?.state).toBe('in_meeting');

    // The first worker stops renewing (frozen, cut off): its lock lapses, the stall check requeues the
    // job and the second worker takes it with its own token.
    // BullMQ's check takes two passes: one marks the active jobs, the next requeues those whose lock is gone.
    // (The check a running worker makes every stalledInterval, called by hand: TypeScript marks it private.)
    const stallCheck = () =>
      (second as unknown as { moveStalledJobsToWait(): Promise<void> }).moveStalledJobsToWait();
    await stallCheck();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await stallCheck();
    const newJob = await second.getNextJob('token-second');
    expect(newJob?.id).toBe(bot.id);
    await store.record(bot.id, { state: 'rejoining', reason: 'resume' }, { lockToken: 'token-second' });

    // The stale copy wakes up and reports what it last saw: dropped.
    await store.record(bot.id, { state: 'in_meeting' }, { lockToken: 'token-first' });
    await store.record(bot.id, { state: 'ended', endReason: 'kicked' }, { lockToken: 'token-first' });
    const view = await store.get(bot.id);
    expect(view?.state).toBe('rejoining');
    expect(view?.events.map((e) => e.state)).toEqual(['queued', 'in_meeting', 'rejoining']);

    // The holder goes on; a write without a token (the API's leave of a bot) is not fenced.
    await store.record(bot.id, { state: 'in_meeting' }, { lockToken: 'token-second' });
    expect((await store.get(bot.id))?.state).toBe('in_meeting');
    await store.record(bot.id, { state: 'leaving', reason: 'left_by_request' });
    expect((await store.get(bot.id))?.state).toBe('leaving');
  });
});
