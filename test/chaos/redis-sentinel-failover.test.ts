import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotClient } from '../../runner/client/producer-client.js';
import { freeLoopbackPort } from '../../runner/redis/private-redis-server.js';
import { redisAddress } from '../../runner/redis/redis-address.js';
import type { BotView } from '../../shared/bot-view.js';
import { uniquePrefix } from '../../testkit/redis.js';
import { type SentinelGroup, startSentinelGroup } from '../../testkit/redis-sentinel.js';
import { spawnApi, spawnWorker, type WorkerProcess } from '../../testkit/worker-process.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * Redis high availability (issue 16): every connection the runner makes asks Sentinel for the
 * primary. The primary is killed (SIGKILL) with six bots in meetings; Sentinel promotes the replica.
 * No bot may leave its meeting or be doubled, the API must answer again within 10 s, and no queued
 * job may be lost. Workers run the sim-client page driver: the fault is Redis, not Chromium.
 */
const checks = useChaosChecks();
const sim = useSim();
const prefix = uniquePrefix();
const API_KEY = 'sentinel-test-key-0123456789abcdef';
let group: SentinelGroup;
let apiUrl: string;
const processes: WorkerProcess[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  group = await startSentinelGroup();
  const port = await freeLoopbackPort();
  apiUrl = `http://127.0.0.1:${port}`;
  const env = {
    ZOOM_SIM_URL: sim.sim.url,
    // Only password, database and TLS come from REDIS_URL once sentinels are set.
    REDIS_URL: 'redis://127.0.0.1:1',
    REDIS_SENTINELS: group.sentinels.join(','),
    REDIS_SENTINEL_NAME: group.name,
    QUEUE_PREFIX: prefix,
    WORKER_PAGE_DRIVER: 'sim-client',
    WORKER_CONCURRENCY: '5',
    WORKER_MIN_FREE_MEMORY_MB: '0',
    SHUTDOWN_GRACE_SEC: '5',
    API_KEYS: API_KEY,
  };
  processes.push(spawnWorker({ ...env, API_PORT: '0' }), spawnWorker({ ...env, API_PORT: '0' }));
  processes.push(spawnApi({ ...env, API_PORT: String(port) }));
  await Promise.all(processes.map((p) => p.ready));
}, 90_000);

afterAll(async () => {
  for (const p of processes) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  }
  await Promise.all(processes.map((p) => p.exited));
  await group?.close();
}, 60_000);

async function api(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(apiUrl + route, {
    method,
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(2_000),
  });
  return { status: response.status, json: await response.json() };
}

const view = async (id: string) => (await api('GET', `/v1/bots/${id}`)).json as BotView;

describe('Redis Sentinel failover', () => {
  it('the primary killed under six bots in meetings: none leaves or doubles, the API is back within 10 s, no queued job is lost', async () => {
    const meetings = [await checks.createMeeting(sim), await checks.createMeeting(sim)];
    const bots: BotView[] = [];
    for (let i = 0; i < 6; i++) {
      const { status, json } = await api('POST', '/v1/bots', {
        meetingNumber: meetings[i % 2]?.number,
        displayName: `Sentinel ${i + 1}`,
        auth: { type: 'none' },
      });
      expect(status).toBe(201);
      bots.push(json as BotView);
    }
    for (const bot of bots) {
      await expect.poll(async () => (await view(bot.id)).state, { timeout: 30_000 }).toBe('in_meeting');
    }
    const scheduled = (
      await api('POST', '/v1/bots', {
        meetingNumber: meetings[0]?.number,
        displayName: 'Later',
        auth: { type: 'none' },
        joinAt: new Date(Date.now() + 120_000).toISOString(),
      })
    ).json as BotView;
    const participants = async () => {
      const ids: Record<string, number[]> = {};
      for (const meeting of meetings) {
        for (const p of (await sim.meeting(meeting.number)).participants) {
          if (p.state !== 'in_meeting' || !p.customerKey) continue;
          ids[p.customerKey] = [...(ids[p.customerKey] ?? []), p.id];
        }
      }
      return ids;
    };
    const before = await participants();
    expect(Object.keys(before).sort()).toEqual(bots.map((b) => b.id).sort());
    await group.settle();

    const oldPrimary = await group.killPrimary();
    const killedAt = Date.now();
    await expect
      .poll(async () => (await api('GET', `/v1/bots/${bots[0]?.id}`).catch(() => ({ status: 0 }))).status, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(200);
    const apiBackMs = Date.now() - killedAt;
    expect(await group.primaryPort()).not.toBe(oldPrimary);
    console.info(`sentinel failover: API answering again ${apiBackMs} ms after the primary was killed`);

    // Long enough for a bot that had lost its lock to have left (7 s of silence) and be seen.
    await sleep(9_000);
    expect(await participants()).toEqual(before);
    for (const bot of bots) {
      expect(await view(bot.id)).toMatchObject({ state: 'in_meeting', rejoins: 0, attempts: 1 });
    }
    // The queued (scheduled) bot is still there, its job too: seen through the producer library,
    // which follows Sentinel the same way.
    const library = createBotClient({
      redisUrl: redisAddress('redis://127.0.0.1:1', { sentinels: group.sentinels, name: group.name }),
      queuePrefix: prefix,
    });
    try {
      expect((await library.get(scheduled.id)).state).toBe('scheduled');
    } finally {
      await library.close();
    }

    for (const bot of [...bots, scheduled])
      expect([200, 202]).toContain((await api('DELETE', `/v1/bots/${bot.id}`)).status);
    for (const bot of bots) {
      await expect.poll(async () => (await view(bot.id)).state, { timeout: 20_000 }).toBe('ended');
    }
  }, 120_000);
});
