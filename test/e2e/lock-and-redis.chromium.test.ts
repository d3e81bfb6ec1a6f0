import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../helpers/private-redis.js';
import { overlappingBotCopies } from '../helpers/sim-invariants.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Redis is where locks live. A Redis outage of several seconds must not take a bot out of its
 * meeting; a lock that is really lost must make the worker leave at once, so that the bot another
 * worker picks up is never a second copy.
 */
const rig = useWorkerRig({}, { startWorker: false });
let redis: PrivateRedis;
let direct: Redis;

beforeAll(async () => {
  redis = await startPrivateRedis();
  direct = new Redis(redis.url, { maxRetriesPerRequest: null });
  direct.on('error', () => {});
  await rig.startWorker({ REDIS_URL: redis.url });
}, 60_000);

afterAll(async () => {
  await rig.stopWorker();
  direct?.disconnect();
  await redis?.close();
});

const service = () => rig.runtime.layer.service;
const inMeeting = async (meetingNumber: string, botId: string) =>
  (await rig.sim.meeting(meetingNumber)).participants.filter(
    (p) => p.customerKey === botId && p.state === 'in_meeting',
  );

describe('locks and Redis outages', () => {
  it('keeps the bot in its meeting through a 6 s Redis outage, and loses no job', async () => {
    const meeting = await rig.sim.createMeeting();
    const { bot } = await service().enqueue({
      meetingNumber: meeting.number,
      displayName: 'Steady',
      auth: { type: 'zak' },
    });
    await expect
      .poll(async () => (await service().get(bot.id)).state, { timeout: 30_000 })
      .toBe('in_meeting');
    const [before] = await inMeeting(meeting.number, bot.id);

    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    // Still the same participant: no drop, no rejoin while Redis was away.
    expect((await inMeeting(meeting.number, bot.id)).map((p) => p.id)).toEqual([before?.id]);
    await redis.start();

    await expect
      .poll(async () => rig.runtime.layer.queue.getJobState(bot.id), { timeout: 20_000 })
      .toBe('active');
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect((await inMeeting(meeting.number, bot.id)).map((p) => p.id)).toEqual([before?.id]);
    expect(await service().get(bot.id)).toMatchObject({ state: 'in_meeting', rejoins: 0 });
    await service().leave(bot.id);
    await expect.poll(async () => (await service().get(bot.id)).state, { timeout: 20_000 }).toBe('ended');
  }, 90_000);

  it('leaves at once when its job lock is lost, and the bot comes back as one copy', async () => {
    const meeting = await rig.sim.createMeeting();
    const { bot } = await service().enqueue({
      meetingNumber: meeting.number,
      displayName: 'Lockless',
      auth: { type: 'zak' },
    });
    await expect
      .poll(async () => (await service().get(bot.id)).state, { timeout: 30_000 })
      .toBe('in_meeting');
    const [before] = await inMeeting(meeting.number, bot.id);

    // As if the lock had expired and another worker could take the job.
    await direct.del(`${rig.config.QUEUE_PREFIX}:bots:${bot.id}:lock`);
    await expect
      .poll(
        async () =>
          (await rig.sim.meeting(meeting.number)).participants.find((p) => p.id === before?.id)?.state,
        {
          timeout: 10_000,
        },
      )
      .toBe('left');
    // BullMQ's stall check puts the job back and a worker rejoins it.
    await expect
      .poll(async () => (await inMeeting(meeting.number, bot.id)).length, { timeout: 40_000 })
      .toBe(1);
    expect(overlappingBotCopies(await rig.sim.meeting(meeting.number))).toEqual([]);
    await service().leave(bot.id);
    await expect.poll(async () => (await service().get(bot.id)).state, { timeout: 20_000 }).toBe('ended');
  }, 90_000);
});
