import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueLayer, type QueueLayer } from '../../runner/queue/queue-layer.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { stopProcesses } from '../../testkit/stop-processes.js';
import { isAlive, spawnWorker } from '../../testkit/worker-process.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { type PrivateRedis, startPrivateRedis } from '../helpers/private-redis.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * docs/contract.md §12: after SIGTERM a worker exits within SHUTDOWN_GRACE_SEC + 5 s whatever Redis
 * or Chromium do; what it could not hand off is left to stall recovery, never failed. Every case: a
 * worker process with a bot in a meeting, a second worker (in this process) to take the bot back.
 */
const GRACE_SEC = 5;
const EXIT_LIMIT_MS = (GRACE_SEC + 5) * 1000;
const checks = useChaosChecks();
const rig = useWorkerRig({ SHUTDOWN_GRACE_SEC: String(GRACE_SEC) }, { startWorker: false });
let redis: PrivateRedis;
let producerConnection: Redis;
let producer: QueueLayer;

beforeAll(async () => {
  redis = await startPrivateRedis();
  producerConnection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  producerConnection.on('error', () => {});
  producer = createQueueLayer({ redis: producerConnection, prefix: rig.env().QUEUE_PREFIX ?? '' });
}, 60_000);

afterAll(async () => {
  await rig.stopWorker();
  await producer?.close();
  producerConnection?.disconnect();
  await redis?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A worker process holding one bot in a fresh meeting. */
async function workerWithBot(name: string) {
  const { service } = producer;
  // The in-process worker starts once the bot is in: it gets the bot only after the other one is gone.
  await rig.stopWorker();
  const worker = spawnWorker(rig.env({ REDIS_URL: redis.url, SHUTDOWN_GRACE_SEC: String(GRACE_SEC) }));
  await worker.ready;
  const meeting = await checks.createMeeting(rig.sim);
  const { bot } = await service.enqueue(OPERATOR, {
    meetingNumber: meeting.number,
    displayName: name,
    auth: { type: 'zak' },
  });
  await expect
    .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 30_000 })
    .toBe('in_meeting');
  // Exactly one live copy in the meeting: the one the other worker's must differ from.
  const first = await rig.sim.botParticipant(meeting.number, bot.id);
  await rig.startWorker({ REDIS_URL: redis.url });
  return { worker, bot, firstId: first.id, chromium: worker.descendants() };
}

async function live(bot: BotView) {
  return (await rig.sim.meeting(bot.meetingNumber)).participants.filter(
    (p) => p.customerKey === bot.id && p.state === 'in_meeting',
  );
}

/** Sends SIGTERM and returns how long the process took to exit. */
async function terminate(worker: ReturnType<typeof spawnWorker>): Promise<number> {
  const since = Date.now();
  worker.child.kill('SIGTERM');
  await Promise.race([worker.exited, sleep(EXIT_LIMIT_MS + 10_000)]);
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  return Date.now() - since;
}

/** The bot is back from the other worker: exactly one live copy, not the first one, and the view says so. */
async function backFromTheOtherWorker(bot: BotView, firstId: number) {
  await expect
    .poll(async () => (await live(bot)).map((p) => p.id), { timeout: 40_000, interval: 300 })
    .toEqual([expect.not.toBeOneOf([firstId])]);
  await expect
    .poll(async () => (await producer.service.get(OPERATOR, bot.id)).state, { timeout: 10_000 })
    .toBe('in_meeting');
  // Handed off or recovered from a stall, never failed: the job runs on the other worker.
  expect(await producer.queue.getJobState(bot.id)).toBe('active');
}

describe('a worker told to stop exits in time whatever Redis and Chromium do', () => {
  it('Redis down', async () => {
    const { worker, bot, firstId, chromium } = await workerWithBot('Redis down');
    await redis.stop();
    expect(await terminate(worker)).toBeLessThanOrEqual(EXIT_LIMIT_MS);
    await expect.poll(() => chromium.filter(isAlive), { timeout: 5_000 }).toEqual([]);
    await redis.start();
    await backFromTheOtherWorker(bot, firstId);
  }, 120_000);

  it('Redis restarting', async () => {
    const { worker, bot, firstId, chromium } = await workerWithBot('Redis restarting');
    await redis.stop();
    const exit = terminate(worker);
    await sleep(1_500);
    await redis.start();
    expect(await exit).toBeLessThanOrEqual(EXIT_LIMIT_MS);
    await expect.poll(() => chromium.filter(isAlive), { timeout: 5_000 }).toEqual([]);
    await backFromTheOtherWorker(bot, firstId);
  }, 120_000);

  it('Chromium frozen', async () => {
    const { worker, bot, firstId, chromium } = await workerWithBot('Chromium frozen');
    // The tree as it is now: the warm pool opens and closes pages (renderers) as it sizes itself.
    const frozen = stopProcesses([...new Set([...chromium, ...worker.descendants()])]);
    expect(frozen.length).toBeGreaterThan(0);
    expect(await terminate(worker)).toBeLessThanOrEqual(EXIT_LIMIT_MS);
    // Frozen processes do not notice their pipe closing: the worker killed them on its way out.
    await expect.poll(() => frozen.filter(isAlive), { timeout: 5_000 }).toEqual([]);
    await backFromTheOtherWorker(bot, firstId);
  }, 120_000);
});
