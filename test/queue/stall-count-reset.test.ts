import { describe, expect, it } from 'vitest';
import { StallCountReset } from '../../runner/queue/stall-count-reset.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { makeQueueLayer, request } from './queue-fixture.js';

describe('StallCountReset: a bot back in its meeting starts its stall count afresh', () => {
  it('zeroes BullMQ’s stall counter after in_meeting is stored, only for the lock holder', async () => {
    const { service, store, redis, prefix } = makeQueueLayer();
    const { bot } = await service.enqueue(OPERATOR, request());
    const job = `${prefix}:bots:${bot.id}`;
    await redis.hset(job, 'stc', 3);
    await redis.set(`${job}:lock`, 'mine', 'PX', 10_000);
    const { logger } = captureLogger('warn');
    const recorder = new StallCountReset(store, redis, prefix, logger);

    await recorder.record(bot.id, { state: 'minting' }, { lockToken: 'mine' });
    await recorder.record(bot.id, { state: 'joining' }, { lockToken: 'mine' });
    expect(await redis.hget(job, 'stc')).toBe('3');
    // A worker that lost the lock resets nothing (and its write is fenced off by the store).
    await recorder.record(bot.id, { state: 'in_meeting' }, { lockToken: 'stale' });
    expect(await redis.hget(job, 'stc')).toBe('3');
    await recorder.record(bot.id, { state: 'in_meeting' }, { lockToken: 'mine' });
    expect(await redis.hget(job, 'stc')).toBe('0');
    expect((await service.get(OPERATOR, bot.id)).state).toBe('in_meeting');
  });

  it('does not create a job hash for a bot whose job is gone', async () => {
    const { service, store, redis, prefix, queue } = makeQueueLayer();
    const { bot } = await service.enqueue(OPERATOR, request());
    await queue.remove(bot.id);
    const { logger } = captureLogger('warn');
    await new StallCountReset(store, redis, prefix, logger).record(bot.id, { state: 'minting' });
    await new StallCountReset(store, redis, prefix, logger).record(bot.id, { state: 'joining' });
    await new StallCountReset(store, redis, prefix, logger).record(bot.id, { state: 'in_meeting' });
    expect(await redis.exists(`${prefix}:bots:${bot.id}`)).toBe(0);
  });
});
