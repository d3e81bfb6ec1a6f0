import { Queue, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../runner/log/logger.js';
import { reapDeadWorkers } from '../../runner/queue/dead-worker-reaper.js';
import { GoneWorkerWatch, leaseConnectionName } from '../../runner/queue/gone-worker-watch.js';
import { BOT_QUEUE_NAME, queueKeys } from '../../runner/queue/queue-names.js';
import { connectRedis } from '../../runner/redis/redis-connection.js';
import { WorkerLease } from '../../runner/worker/worker-lease.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../testkit/redis.js';

const logger = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('worker lease and the reaper of lapsed workers', () => {
  const prefix = uniquePrefix();
  const redis = connectTestRedis();
  redis.options.maxRetriesPerRequest = null;
  const closers: Array<() => Promise<unknown>> = [];
  const key = (suffix: string) => `${prefix}:${BOT_QUEUE_NAME}:${suffix}`;

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await deletePrefix(redis, prefix);
  });

  /** Two jobs taken by hand, one under each worker id's tokens (BullMQ's `<worker id>:<n>`). */
  async function twoHeldJobs() {
    const queue = new Queue(BOT_QUEUE_NAME, { connection: redis, prefix });
    const taker = new Worker(BOT_QUEUE_NAME, null, {
      connection: redis,
      prefix,
      autorun: false,
      lockDuration: 60_000,
    });
    closers.push(
      () => queue.close(),
      () => taker.close(),
    );
    await queue.add('join', {}, { jobId: 'bot-dead' });
    await queue.add('join', {}, { jobId: 'bot-alive' });
    const dead = await taker.getNextJob('worker-dead:0');
    const alive = await taker.getNextJob('worker-alive:7');
    expect([dead?.id, alive?.id]).toEqual(['bot-dead', 'bot-alive']);
    return queue;
  }

  it('frees only the jobs of a worker whose lease lapsed, and a stall check requeues them at once', async () => {
    const queue = await twoHeldJobs();
    const lost: string[] = [];
    const deadLease = new WorkerLease(redis, queueKeys(prefix).workerLeases, 'worker-dead', 200, logger, () =>
      lost.push('dead'),
    );
    const aliveLease = new WorkerLease(
      redis,
      queueKeys(prefix).workerLeases,
      'worker-alive',
      60_000,
      logger,
      () => lost.push('alive'),
    );
    await deadLease.tick();
    await aliveLease.tick();
    expect([deadLease.held, aliveLease.held]).toEqual([true, true]);

    expect(await reapDeadWorkers(redis, prefix)).toEqual({ workers: 0, jobs: 0 });
    await sleep(300);
    // A stall check ran a moment ago (its marker is set): the reaper clears it for the freed job.
    await redis.set(key('stalled-check'), '1', 'PX', 60_000);
    expect(await reapDeadWorkers(redis, prefix)).toEqual({ workers: 1, jobs: 1 });
    expect(await redis.exists(key('bot-dead:lock'))).toBe(0);
    expect(await redis.get(key('bot-alive:lock'))).toBe('worker-alive:7');
    expect(await redis.exists(key('stalled-check'))).toBe(0);

    // Any worker's next stall check gives the freed bot to a worker, counting the stall.
    const next = new Worker(BOT_QUEUE_NAME, async () => new Promise(() => {}), {
      connection: redis,
      prefix,
      stalledInterval: 100,
      lockDuration: 60_000,
    });
    closers.push(() => next.close(true));
    await expect
      .poll(async () => (await redis.get(key('bot-dead:lock')))?.startsWith(`${next.id}:`), {
        timeout: 5_000,
        message: 'the freed bot taken by another worker',
      })
      .toBe(true);
    expect((await queue.getJob('bot-dead'))?.stalledCounter).toBe(1);
    expect(await redis.get(key('bot-alive:lock'))).toBe('worker-alive:7');

    // The lapsed worker hears it on its next renewal, once, and may register again only now that
    // its old lease is gone.
    await deadLease.tick();
    expect(deadLease.held).toBe(false);
    expect(lost).toEqual(['dead']);
    await deadLease.tick();
    expect(deadLease.held).toBe(true);
    expect(lost).toEqual(['dead']);
  });

  it('a lapsed lease that no reaper has seen yet is lost, and cannot be registered over', async () => {
    let losses = 0;
    const lease = new WorkerLease(redis, queueKeys(prefix).workerLeases, 'worker-frozen', 150, logger, () => {
      losses += 1;
    });
    await lease.tick();
    await sleep(250);
    await lease.tick();
    expect([lease.held, losses]).toEqual([false, 1]);
    // Registering over it would hide its bots from the reaper: refused until reaped.
    await lease.tick();
    expect(lease.held).toBe(false);
    expect(await reapDeadWorkers(redis, prefix)).toEqual({ workers: 1, jobs: 0 });
    await lease.tick();
    expect(lease.held).toBe(true);
    const renewedAt = lease.lastRenewedAt;
    await sleep(20);
    await lease.tick();
    expect(lease.lastRenewedAt).toBeGreaterThan(renewedAt);
    await lease.release();
    expect(await redis.zcard(queueKeys(prefix).workerLeases)).toBe(0);
  });

  it('takes a worker whose lease connection is gone for dead after goneAfterMs, and no other', async () => {
    const named = (id: string) => {
      const connection = connectRedis(TEST_REDIS_URL, undefined, 'lease', {
        maxRetriesPerRequest: null,
        connectionName: leaseConnectionName(id),
      });
      closers.push(async () => connection.disconnect());
      return connection;
    };
    const killed = named('worker-killed');
    const blip = named('worker-blip');
    const steady = named('worker-steady');
    const leases = [
      new WorkerLease(killed, queueKeys(prefix).workerLeases, 'worker-killed', 60_000, logger, () => {}),
      new WorkerLease(blip, queueKeys(prefix).workerLeases, 'worker-blip', 60_000, logger, () => {}),
      new WorkerLease(steady, queueKeys(prefix).workerLeases, 'worker-steady', 60_000, logger, () => {}),
    ];
    // A lease whose connection never showed by name (registered on an unnamed one) is never missed.
    const unnamed = new WorkerLease(
      redis,
      queueKeys(prefix).workerLeases,
      'worker-unnamed',
      60_000,
      logger,
      () => {},
    );
    for (const lease of [...leases, unnamed]) await lease.tick();
    expect(leases.map((l) => l.held)).toEqual([true, true, true]);

    // The watching worker is `worker-steady`: its own lease connection shows in the list.
    const watch = new GoneWorkerWatch(redis, prefix, 'worker-steady', {
      goneAfterMs: 400,
      settleMs: 0,
      logger,
    });
    // A watcher that connected a moment ago does nothing yet: its peers may still be reconnecting.
    const fresh = new GoneWorkerWatch(redis, prefix, 'worker-steady', {
      goneAfterMs: 400,
      settleMs: 3_600_000,
      logger,
    });
    // Where names do not show (its own is not in the list), nobody can be told dead.
    const blind = new GoneWorkerWatch(redis, prefix, 'worker-elsewhere', {
      goneAfterMs: 0,
      settleMs: 0,
      logger,
    });
    expect(await watch.check()).toEqual([]);

    killed.disconnect();
    // One connection drops and comes straight back (a blip): never taken for dead.
    blip.disconnect(true);
    await sleep(100);
    expect(await watch.check()).toEqual([]);
    await fresh.check();
    await sleep(450);
    expect(await fresh.check()).toEqual([]);
    expect(await blind.check()).toEqual([]);
    // A watcher taking over (the last one may have been the worker that died) reads when each
    // connection was last seen from Redis: no waiting of its own.
    const successor = new GoneWorkerWatch(redis, prefix, 'worker-steady', {
      goneAfterMs: 400,
      settleMs: 0,
      logger,
    });
    expect(await successor.check()).toEqual(['worker-killed']);
    expect(await redis.zscore(queueKeys(prefix).workerLeases, 'worker-killed')).toBe('0');
    expect(await reapDeadWorkers(redis, prefix)).toEqual({ workers: 1, jobs: 0 });
    expect((await redis.zrange(queueKeys(prefix).workerLeases, 0, -1)).sort()).toEqual([
      'worker-blip',
      'worker-steady',
      'worker-unnamed',
    ]);
    await leases[1]?.tick();
    await leases[2]?.tick();
    expect([leases[1]?.held, leases[2]?.held]).toEqual([true, true]);
  });
});
