import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queueKeys } from '../../runner/queue/queue-names.js';
import { pingRedis } from '../../runner/redis/redis-ping.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { WORKER_LEASE_MS } from '../../runner/worker/worker-lock-settings.js';
import type { BotRequestInput } from '../../shared/bot-request.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { type PrivateRedis, startPrivateRedis } from '../helpers/private-redis.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Redis is where jobs, bot views and locks live. A Redis restarted under the fleet (killed, or shut
 * down, and started again from its AOF) must cost no bot its meeting and no queued bot its job; a
 * lock that is really lost must make the worker leave at once, so that the bot another worker picks
 * up is never a second copy.
 */
const checks = useChaosChecks();
const rig = useWorkerRig({}, { startWorker: false });
let redis: PrivateRedis;
let direct: Redis;

beforeAll(async () => {
  redis = await startPrivateRedis();
  direct = new Redis(redis.url, { maxRetriesPerRequest: null });
  direct.on('error', () => {});
  // Two bots at a time, so a third one waits for capacity in the queue.
  await rig.startWorker({ REDIS_URL: redis.url, WORKER_CONCURRENCY: '2' });
}, 60_000);

// A test that failed while Redis was down must not leave it down for the next one.
afterEach(async () => {
  if (!(await pingRedis(redis.url, 500)).ok) await redis.start();
});

afterAll(async () => {
  await rig.stopWorker();
  direct?.disconnect();
  await redis?.close();
});

const service = () => rig.runtime.layer.service;
const stateOf = async (id: string) => (await service().get(OPERATOR, id)).state;
const enqueue = async (request: BotRequestInput) => (await service().enqueue(OPERATOR, request)).bot;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once the worker has renewed its lease on the restarted Redis (the lease's expiry is a full
 * lease ahead again). Two outages with no renewal between them are one long silence, after which the
 * worker rightly takes its bots out of their meetings (docs/contract.md §12): the test's two outages
 * must be two.
 */
async function leaseRenewed(): Promise<void> {
  const key = queueKeys(rig.config.QUEUE_PREFIX).workerLeases;
  await expect
    .poll(
      async () => {
        const scores = (await direct.zrange(key, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1);
        return Math.max(0, ...scores.map(Number)) - Date.now();
      },
      { timeout: 10_000, interval: 100 },
    )
    .toBeGreaterThan(WORKER_LEASE_MS - 2_000);
}

/** Participant ids of the bot in the meeting right now. */
const inMeeting = async (meetingNumber: string, botId: string) =>
  (await rig.sim.meeting(meetingNumber)).participants
    .filter((p) => p.customerKey === botId && p.state === 'in_meeting')
    .map((p) => p.id);

/**
 * `SHUTDOWN` (AOF flushed, clean exit) on a connection of its own that never reconnects: a client that
 * retries would send it again to the restarted server. Resolves once the port is closed.
 */
async function shutDown(url: string): Promise<void> {
  const once = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  once.on('error', () => {});
  await once.call('SHUTDOWN').catch(() => {});
  once.disconnect();
  await portClosed(url);
}

/** Resolves once nothing accepts connections on the private Redis's port any more. */
async function portClosed(url: string): Promise<void> {
  const { port } = new URL(url);
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: Number(port) });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!open) return;
    await sleep(50);
  }
  throw new Error('Redis still listening after SHUTDOWN');
}

describe('Redis restarted under the fleet', () => {
  it('keeps bots in their meetings through a kill and a shutdown, and loses no queued or scheduled bot', async () => {
    const first = await checks.createMeeting(rig.sim);
    const second = await checks.createMeeting(rig.sim);
    const steady = await enqueue({
      meetingNumber: first.number,
      displayName: 'Steady',
      auth: { type: 'zak' },
    });
    const guest = await enqueue({
      meetingNumber: first.number,
      displayName: 'Guest',
      auth: { type: 'none' },
    });
    await expect.poll(() => stateOf(steady.id), { timeout: 30_000 }).toBe('in_meeting');
    await expect.poll(() => stateOf(guest.id), { timeout: 30_000 }).toBe('in_meeting');
    // The worker is full: this one waits in the queue for a slot.
    const waiting = await enqueue({
      meetingNumber: second.number,
      displayName: 'Waiting',
      auth: { type: 'zak' },
    });
    // Due well after both outages.
    const joinAt = new Date(Date.now() + 30_000);
    const scheduled = await enqueue({
      meetingNumber: second.number,
      displayName: 'Scheduled',
      auth: { type: 'none' },
      joinAt: joinAt.toISOString(),
    });
    const participants = {
      steady: await inMeeting(first.number, steady.id),
      guest: await inMeeting(first.number, guest.id),
    };
    expect(participants.steady).toHaveLength(1);
    expect(participants.guest).toHaveLength(1);
    const stillIn = async () => {
      const now = {
        steady: await inMeeting(first.number, steady.id),
        guest: await inMeeting(first.number, guest.id),
      };
      if (
        now.steady.join() !== participants.steady.join() ||
        now.guest.join() !== participants.guest.join()
      ) {
        // Why a bot left says more than that it left: its events and the worker's warnings.
        console.error(
          JSON.stringify((await rig.sim.meeting(first.number)).history.slice(-12)),
          rig.logLines.filter((l) => /"level":(40|50)|"msg":"bot state"/.test(l)).join('\n'),
        );
      }
      expect(now).toEqual(participants);
    };

    // 1: killed (SIGKILL), down for 3 s, started again from its AOF. (Much longer, and the worker takes
    // its bots out of their meetings itself, before their locks can pass on: docs/contract.md §12.)
    await redis.stop();
    await sleep(3_000);
    await stillIn();
    await redis.start();
    const queue = rig.runtime.layer.queue;
    await expect.poll(() => queue.getJobState(steady.id), { timeout: 20_000 }).toBe('active');
    await leaseRenewed();

    // 2: shut down cleanly (SHUTDOWN), down for 3 s, started again.
    await shutDown(redis.url);
    await sleep(3_000);
    await stillIn();
    await redis.start();
    await expect.poll(() => queue.getJobState(guest.id), { timeout: 20_000 }).toBe('active');
    await leaseRenewed();
    // Deliberately lets time pass: a late drop or rejoin after the outages would show by then.
    await sleep(3_000);

    // Same participants: no drop, no rejoin while Redis was away.
    await stillIn();
    expect(await service().get(OPERATOR, steady.id)).toMatchObject({
      state: 'in_meeting',
      rejoins: 0,
      attempts: 1,
    });
    expect(await service().get(OPERATOR, guest.id)).toMatchObject({
      state: 'in_meeting',
      rejoins: 0,
      attempts: 1,
    });
    // Nothing lost from the queue: the waiting bot still waits, the scheduled one is still due later.
    expect(await service().get(OPERATOR, waiting.id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await queue.getJobState(waiting.id)).toMatch(/^(waiting|prioritized)$/);
    expect(await service().get(OPERATOR, scheduled.id)).toMatchObject({ state: 'scheduled', attempts: 0 });
    expect(await queue.getJobState(scheduled.id)).toBe('delayed');

    // A freed slot goes to the waiting bot; the scheduled one joins at its time.
    await service().leave(OPERATOR, steady.id);
    await expect.poll(() => stateOf(waiting.id), { timeout: 30_000 }).toBe('in_meeting');
    await service().leave(OPERATOR, guest.id);
    await expect.poll(() => stateOf(scheduled.id), { timeout: 40_000 }).toBe('in_meeting');
    const joined = (await service().get(OPERATOR, scheduled.id)).events.find((e) => e.state === 'minting');
    expect(Date.parse(joined?.at ?? '')).toBeGreaterThanOrEqual(joinAt.getTime() - 1_000);

    for (const bot of [waiting, scheduled]) await service().leave(OPERATOR, bot.id);
    for (const bot of [steady, guest, waiting, scheduled]) {
      await expect.poll(() => stateOf(bot.id), { timeout: 20_000 }).toBe('ended');
    }
  }, 120_000);

  it('leaves at once when its job lock is lost, and the bot comes back as one copy', async () => {
    const meeting = await checks.createMeeting(rig.sim);
    const { bot } = await service().enqueue(OPERATOR, {
      meetingNumber: meeting.number,
      displayName: 'Lockless',
      auth: { type: 'zak' },
    });
    await expect.poll(() => stateOf(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const [before] = await inMeeting(meeting.number, bot.id);

    // As if the lock had expired and another worker could take the job.
    await direct.del(`${rig.config.QUEUE_PREFIX}:bots:${bot.id}:lock`);
    await expect
      .poll(
        async () => (await rig.sim.meeting(meeting.number)).participants.find((p) => p.id === before)?.state,
        { timeout: 10_000 },
      )
      .toBe('left');
    // BullMQ's stall check puts the job back and a worker rejoins it.
    await expect
      .poll(async () => (await inMeeting(meeting.number, bot.id)).length, { timeout: 40_000 })
      .toBe(1);
    await service().leave(OPERATOR, bot.id);
    await expect.poll(() => stateOf(bot.id), { timeout: 20_000 }).toBe('ended');
  }, 90_000);
});
