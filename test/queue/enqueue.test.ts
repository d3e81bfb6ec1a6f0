import { describe, expect, it } from 'vitest';
import { BotRequestError, SameUserInMeetingError } from '../../runner/queue/bot-errors.js';
import { NEW_JOIN_PRIORITY } from '../../runner/queue/queue-names.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { keysUnder, makeQueueLayer, request } from './queue-fixture.js';

describe('enqueue', () => {
  it.each([
    [{ meetingNumber: '12' }, 'meetingNumber'],
    [{ displayName: '   ' }, 'displayName'],
    [{ auth: { type: 'zak', user: '' } }, 'auth.user'],
    [{ auth: { type: 'obf' } }, 'auth.user'],
    [{ joinAt: 'tomorrow' }, 'joinAt'],
    [{ leave: { aloneSec: -1 } }, 'leave.aloneSec'],
    [{ colour: 'blue' }, 'colour'],
    [{ auth: { type: 'none', extra: 1 } }, 'auth.extra'],
  ])('refuses %j naming %s', async (bad, field) => {
    const { service, redis, prefix } = makeQueueLayer();
    const error = await service.enqueue(OPERATOR, request(bad)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotRequestError);
    expect(error).toMatchObject({ status: 422, code: 'validation_failed', field });
    expect((error as BotRequestError).toBody().error.field).toBe(field);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('makes the bot id the job id, at most 36 characters, queued with the new-join priority', async () => {
    const { service, queue } = makeQueueLayer();
    const { bot, created, status } = await service.enqueue(OPERATOR, request());
    expect(created).toBe(true);
    expect(status).toBe(201);
    expect(bot.id.length).toBeLessThanOrEqual(36);
    expect(bot).toMatchObject({ state: 'queued', meetingNumber: '1234567890', attempts: 0, rejoins: 0 });
    const job = await queue.getJob(bot.id);
    expect(job?.id).toBe(bot.id);
    expect(job?.opts.priority).toBe(NEW_JOIN_PRIORITY);
    expect(await queue.getJobState(bot.id)).toBe('prioritized');
    expect(await service.get(OPERATOR, bot.id)).toEqual(bot);
  });

  it('makes a future joinAt a delayed job and a scheduled bot; a past one is queued', async () => {
    const { service, queue } = makeQueueLayer();
    const later = await service.enqueue(
      OPERATOR,
      request({ joinAt: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    expect(later.bot.state).toBe('scheduled');
    expect(await queue.getJobState(later.bot.id)).toBe('delayed');
    const job = await queue.getJob(later.bot.id);
    expect(job?.opts.delay).toBeGreaterThan(3_500_000);

    const past = await service.enqueue(OPERATOR, request({ joinAt: '2020-01-01T00:00:00Z' }));
    expect(past.bot.state).toBe('queued');
    expect(await queue.getJobState(past.bot.id)).toBe('prioritized');
  });

  it('answers a live bot with the same dedupeKey instead of a new one, and a new bot once it ended', async () => {
    const { service, store, queue } = makeQueueLayer();
    const first = await service.enqueue(
      OPERATOR,
      request({ dedupeKey: 'standup-42', auth: { type: 'zak' } }),
    );
    const again = await service.enqueue(
      OPERATOR,
      request({ dedupeKey: 'standup-42', auth: { type: 'zak' } }),
    );
    expect(again).toMatchObject({ created: false, status: 200, bot: { id: first.bot.id } });
    expect(await queue.count()).toBe(1);

    await store.record(first.bot.id, { state: 'ended', endReason: 'ended_by_host' });
    const fresh = await service.enqueue(
      OPERATOR,
      request({ dedupeKey: 'standup-42', auth: { type: 'zak' } }),
    );
    expect(fresh.created).toBe(true);
    expect(fresh.bot.id).not.toBe(first.bot.id);
  });

  it('refuses a second live bot of one Zoom user in one meeting (409), until the first ends', async () => {
    const { service, store } = makeQueueLayer();
    const first = await service.enqueue(OPERATOR, request({ auth: { type: 'zak' } }));
    const error = await service
      .enqueue(OPERATOR, request({ auth: { type: 'zak' } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SameUserInMeetingError);
    expect(error).toMatchObject({ status: 409, code: 'same_user_in_meeting', existingBotId: first.bot.id });

    // A named user: the user itself, and an OBF bot authorised by them, claim the same seat.
    await service.enqueue(OPERATOR, request({ auth: { type: 'zak', user: 'Ann@Example.com' } }));
    await expect(
      service.enqueue(OPERATOR, request({ auth: { type: 'obf', user: 'ann@example.com' } })),
    ).rejects.toMatchObject({
      status: 409,
    });
    // Another meeting is another seat.
    await service.enqueue(OPERATOR, request({ meetingNumber: '987654321', auth: { type: 'zak' } }));

    await store.record(first.bot.id, { state: 'ended', endReason: 'kicked' });
    expect((await service.enqueue(OPERATOR, request({ auth: { type: 'zak' } }))).created).toBe(true);
  });

  it('never refuses pool, none or callback bots on the same-user rule', async () => {
    const { service } = makeQueueLayer();
    for (const auth of [
      { type: 'zak', user: 'pool' },
      { type: 'zak', user: 'pool' },
      { type: 'none' },
      { type: 'none' },
      { type: 'callback', url: 'https://tokens.example.com/zak' },
      { type: 'callback', url: 'https://tokens.example.com/zak' },
    ]) {
      expect((await service.enqueue(OPERATOR, request({ auth }))).created).toBe(true);
    }
  });

  it('lets exactly one of many concurrent same-user enqueues win', async () => {
    const { service, queue } = makeQueueLayer();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, () =>
        service.enqueue(OPERATOR, request({ auth: { type: 'obf', user: 'host-1' } })),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const r of refused) expect(r.reason).toBeInstanceOf(SameUserInMeetingError);
    expect(await queue.count()).toBe(1);
  });

  it('lets exactly one of many concurrent enqueues with one dedupeKey create a bot', async () => {
    const { service, queue } = makeQueueLayer();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => service.enqueue(OPERATOR, request({ dedupeKey: 'once' }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.bot.id)).size).toBe(1);
    expect(await queue.count()).toBe(1);
  });
});
