import { readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotClient, createBotClient } from '../../runner/client/producer-client.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../testkit/redis.js';
import { spawnWorker, type WorkerProcess } from '../../testkit/worker-process.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * `WORKER_PAGE_DRIVER=sim-client` (docs/contract.md §13): a real `zoom-bot-runner worker` process runs
 * its bots as zoom-sim participant sockets. Everything else is the real path: queue, locks,
 * supervisor, store. It must behave as a Chromium worker does, and never start a Chromium.
 */
const BOTS = 50;
const sim = useSim();
const prefix = uniquePrefix();
const redis = connectTestRedis();
let bots: BotClient;
let worker: WorkerProcess;
/** Every process ever seen below the worker, by executable name (sampled all along). */
const executablesSeen = new Set<string>();
let sampler: NodeJS.Timeout | undefined;

function sampleDescendants(): void {
  for (const pid of worker.descendants()) {
    try {
      executablesSeen.add(readlinkSync(`/proc/${pid}/exe`).split('/').pop() ?? '');
    } catch {
      // Gone meanwhile.
    }
  }
}

beforeAll(async () => {
  bots = createBotClient({ redisUrl: TEST_REDIS_URL, queuePrefix: prefix });
  worker = spawnWorker({
    ZOOM_SIM_URL: sim.sim.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    API_PORT: '0',
    WORKER_PAGE_DRIVER: 'sim-client',
    WORKER_CONCURRENCY: String(BOTS + 10),
    WORKER_MIN_FREE_MEMORY_MB: '0',
    // Not a Chromium anywhere: a worker that tried to launch one would fail its start on this path.
    CHROMIUM_PATH: '/nonexistent/chromium',
    SHUTDOWN_GRACE_SEC: '5',
  });
  sampler = setInterval(sampleDescendants, 250);
  await worker.ready;
}, 60_000);

afterAll(async () => {
  clearInterval(sampler);
  if (worker.child.exitCode === null) {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
  await bots.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
}, 30_000);

async function liveCopies(meetingNumber: string, botId: string) {
  const view = await sim.meeting(meetingNumber);
  return view.participants.filter((p) => p.customerKey === botId && p.state === 'in_meeting');
}

describe('a worker with WORKER_PAGE_DRIVER=sim-client', { timeout: 90_000 }, () => {
  const fleet: Array<{ id: string; meeting: string }> = [];

  it(`joins ${BOTS} bots, each once in its meeting, with no browser`, async () => {
    const meetings = await Promise.all(Array.from({ length: BOTS }, () => sim.createMeeting()));
    for (const [i, meeting] of meetings.entries()) {
      const { bot } = await bots.enqueue({
        meetingNumber: meeting.number,
        displayName: `Fleet ${i + 1}`,
        auth: { type: 'zak' },
      });
      fleet.push({ id: bot.id, meeting: meeting.number });
    }
    await expect
      .poll(
        async () => {
          const views = await Promise.all(fleet.map((b) => bots.get(b.id)));
          return views.filter((v) => v.state === 'in_meeting').length;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(BOTS);
    for (const bot of fleet) expect(await liveCopies(bot.meeting, bot.id), bot.id).toHaveLength(1);
    sampleDescendants();
    expect([...executablesSeen].filter((name) => /chrom/i.test(name))).toEqual([]);
  });

  it('rejoins a bot the sim drops, on a new participant, and leaves the others alone', async () => {
    const [dropped, neighbour] = fleet;
    if (!dropped || !neighbour) throw new Error('no bots joined');
    const [before] = await liveCopies(dropped.meeting, dropped.id);
    const [neighbourBefore] = await liveCopies(neighbour.meeting, neighbour.id);
    if (!before || !neighbourBefore) throw new Error('a bot is not in its meeting');
    await sim.participantControl(dropped.meeting, before.id, 'drop');
    await expect
      .poll(() => bots.get(dropped.id), { timeout: 30_000 })
      .toMatchObject({ state: 'in_meeting', rejoins: 1 });
    const view = await bots.get(dropped.id);
    expect(view.events.map((e) => e.state)).toContain('rejoining');
    const after = await liveCopies(dropped.meeting, dropped.id);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).not.toBe(before.id);
    expect(await liveCopies(neighbour.meeting, neighbour.id)).toEqual([neighbourBefore]);
    expect((await bots.get(neighbour.id)).rejoins).toBe(0);
  });

  it('a failover the SDK recovers from shows reconnecting, then in_meeting on the same participant', async () => {
    const bot = fleet[2];
    if (!bot) throw new Error('no bots joined');
    const [before] = await liveCopies(bot.meeting, bot.id);
    if (!before) throw new Error('the bot is not in its meeting');
    await sim.participantControl(bot.meeting, before.id, 'drop', { forMs: 1_500 });
    await expect
      .poll(
        async () => {
          const view = await bots.get(bot.id);
          return { state: view.state, states: view.events.map((e) => e.state) };
        },
        { timeout: 15_000 },
      )
      .toEqual({ state: 'in_meeting', states: expect.arrayContaining(['reconnecting']) });
    expect(await liveCopies(bot.meeting, bot.id)).toMatchObject([{ id: before.id }]);
    expect((await bots.get(bot.id)).rejoins).toBe(0);
  });

  it('leaves on request: the bot ends left_by_request and its participant has left the meeting', async () => {
    const bot = fleet[1];
    if (!bot) throw new Error('no bots joined');
    const [present] = await liveCopies(bot.meeting, bot.id);
    if (!present) throw new Error('the bot is not in its meeting');
    await bots.leave(bot.id);
    await expect
      .poll(() => bots.get(bot.id), { timeout: 20_000 })
      .toMatchObject({ state: 'ended', endReason: 'left_by_request' });
    const view = await sim.meeting(bot.meeting);
    expect(view.participants.find((p) => p.id === present.id)?.state).toBe('left');
    expect(view.history.filter((h) => h.participantId === present.id).map((h) => h.event)).toContain('left');
  });

  it('ends its bots as the page would: host ends the meeting, host removes the bot', async () => {
    const [, , , ended, kicked] = fleet;
    if (!ended || !kicked) throw new Error('no bots joined');
    await sim.control(ended.meeting, 'end');
    const [present] = await liveCopies(kicked.meeting, kicked.id);
    if (!present) throw new Error('the bot is not in its meeting');
    await sim.participantControl(kicked.meeting, present.id, 'remove');
    await expect
      .poll(() => bots.get(ended.id), { timeout: 20_000 })
      .toMatchObject({ state: 'ended', endReason: 'ended_by_host' });
    await expect
      .poll(() => bots.get(kicked.id), { timeout: 20_000 })
      .toMatchObject({ state: 'ended', endReason: 'kicked' });
    sampleDescendants();
    expect([...executablesSeen].filter((name) => /chrom/i.test(name))).toEqual([]);
  });
});
