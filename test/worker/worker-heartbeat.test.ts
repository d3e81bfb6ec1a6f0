import { type AddressInfo, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  WORKER_BEAT_FORGET_MS,
  WORKER_BEAT_TTL_MS,
  workerBeatKeys,
  workerBeatSchema,
} from '../../runner/worker/worker-beat.js';
import { beatStateOf, type WorkerBeatState, WorkerHeartbeat } from '../../runner/worker/worker-heartbeat.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';
import { captureLogger } from '../helpers/capture-logger.js';

const STATE: WorkerBeatState = {
  slots: 10,
  bots: ['bot-1', 'bot-2'],
  accepting: true,
  chromiumBytes: 1234,
  browsers: 1,
  warmPages: 1,
};

function rig() {
  const prefix = uniquePrefix();
  const redis = connectTestRedis();
  const { logger, lines } = captureLogger('info');
  onTestFinished(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return { prefix, redis, logger, lines, keys: workerBeatKeys(prefix) };
}

describe('worker heartbeat', () => {
  it('writes the worker’s beat with a short life and indexes it; closing takes both away', async () => {
    const { prefix, redis, logger, keys } = rig();
    const heartbeat = new WorkerHeartbeat({ redis, prefix, name: 'w1', logger, state: async () => STATE });
    heartbeat.start();
    await expect.poll(() => redis.exists(keys.beat('w1'))).toBe(1);
    const beat = workerBeatSchema.parse(JSON.parse((await redis.get(keys.beat('w1'))) ?? '{}'));
    expect(beat).toMatchObject({ name: 'w1', pid: process.pid, ...STATE });
    const ttl = await redis.pttl(keys.beat('w1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WORKER_BEAT_TTL_MS);
    expect(Number(await redis.zscore(keys.index, 'w1'))).toBe(beat.beatAt);

    await heartbeat.close();
    await heartbeat.close();
    expect(await redis.exists(keys.beat('w1'))).toBe(0);
    expect(await redis.zscore(keys.index, 'w1')).toBeNull();
  });

  it('beats again on its interval with what the worker holds now', async () => {
    const { prefix, redis, logger, keys } = rig();
    let bots: string[] = [];
    const heartbeat = new WorkerHeartbeat({
      redis,
      prefix,
      name: 'w2',
      logger,
      intervalMs: 50,
      state: async () => ({ ...STATE, bots }),
    });
    onTestFinished(() => heartbeat.close());
    heartbeat.start();
    await expect.poll(() => redis.exists(keys.beat('w2'))).toBe(1);
    bots = ['bot-9'];
    await expect
      .poll(async () => JSON.parse((await redis.get(keys.beat('w2'))) ?? '{}').bots)
      .toEqual(['bot-9']);
  });

  it('trims workers silent for longer than it keeps them', async () => {
    const { prefix, redis, logger, keys } = rig();
    await redis.zadd(keys.index, Date.now() - WORKER_BEAT_FORGET_MS - 1_000, 'long-gone');
    await redis.zadd(keys.index, Date.now() - 30_000, 'recently-silent');
    const heartbeat = new WorkerHeartbeat({ redis, prefix, name: 'w3', logger, state: async () => STATE });
    await heartbeat.beat();
    expect(await redis.zrange(keys.index, 0, -1)).toEqual(['recently-silent', 'w3']);
    await heartbeat.close();
  });

  it('skips beats while Redis is away, says so once, and never throws', async () => {
    const { logger, lines } = rig();
    // Nothing listens on port 1: every command fails at once.
    const away = new Redis({
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    onTestFinished(() => away.disconnect());
    const heartbeat = new WorkerHeartbeat({
      redis: away,
      prefix: 'p',
      name: 'w4',
      logger,
      state: async () => STATE,
    });
    await heartbeat.beat();
    await heartbeat.beat();
    expect(lines.filter((line) => line.includes('worker heartbeat not written'))).toHaveLength(1);
    await heartbeat.close();
  });

  it('closes within about a second when Redis takes the connection but never answers', async () => {
    const { logger } = rig();
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const hung = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null });
    onTestFinished(async () => {
      hung.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const heartbeat = new WorkerHeartbeat({
      redis: hung,
      prefix: 'p',
      name: 'w5',
      logger,
      state: async () => STATE,
    });
    heartbeat.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await heartbeat.close();
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('names an unnamed worker by host, pid and a random suffix', () => {
    const { prefix, redis, logger } = rig();
    const a = new WorkerHeartbeat({ redis, prefix, logger, state: async () => STATE });
    const b = new WorkerHeartbeat({ redis, prefix, logger, state: async () => STATE });
    expect(a.name).toContain(`-${process.pid}-`);
    expect(a.name).not.toBe(b.name);
  });

  it('reads the worker and its Chromium pool; pages without a browser have no Chromium fields', async () => {
    const worker = { heldBotIds: () => ['b1'], accepting: () => false };
    const withPool = beatStateOf({
      worker,
      // This test process stands in for a Chromium tree: its memory is real and non-zero.
      pages: { processTree: () => [process.pid], stats: () => ({ browsers: 2, warm: 3, pages: 7 }) },
      slots: 5,
    });
    const state = await withPool();
    expect(state).toMatchObject({ slots: 5, bots: ['b1'], accepting: false, browsers: 2, warmPages: 3 });
    expect(state.chromiumBytes).toBeGreaterThan(1024 * 1024);
    const simClient = beatStateOf({ worker, pages: { processTree: () => [] }, slots: 5 });
    expect(await simClient()).toMatchObject({ chromiumBytes: null, browsers: null, warmPages: null });
  });
});
