import { describe, expect, it } from 'vitest';
import { addBotJob } from '../../runner/queue/bot-queue.js';
import { STALL_LIMIT_REASON } from '../../runner/queue/failed-job-end.js';
import { buildJobData } from '../../runner/queue/job-data.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { PoolReservations } from '../../runner/zoom/pool-reservations.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { request } from '../queue/queue-fixture.js';
import { actionCount, holdJob, makeReconcilerRig, PERIOD_MS, sleep } from './reconciler-fixture.js';

const MEETING = '1234567890';

describe('reconciler (docs/contract.md §12)', () => {
  it('a live bot whose job was removed by hand ends job_lost within a period, its claims freed and the end published', async () => {
    const rig = makeReconcilerRig();
    const { service, queue, prefix, leaves } = rig;
    const seat = { meetingNumber: MEETING, auth: { type: 'zak', user: 'seat@example.com' }, dedupeKey: 'k1' };
    const { bot } = await service.enqueue(OPERATOR, request(seat));
    const subscriber = connectTestRedis();
    const ended: { state: string; view: { endDetail?: string } }[] = [];
    subscriber.on('message', (_channel: string, message: string) => ended.push(JSON.parse(message)));
    await subscriber.subscribe(`${prefix}:bot-events`);
    const { reconciler, metrics } = rig.reconciler();
    try {
      await sleep(PERIOD_MS);
      // The job is there: nothing to do.
      expect(await reconciler.tick()).toMatchObject({ jobLost: [] });

      expect(await queue.remove(bot.id)).toBe(1);
      const removedAt = Date.now();
      reconciler.start();
      await expect
        .poll(async () => (await service.get(OPERATOR, bot.id)).state, {
          timeout: 3 * PERIOD_MS,
          interval: 20,
        })
        .toBe('ended');
      // One period to the next round, plus the confirmation pause.
      expect(Date.now() - removedAt).toBeLessThan(PERIOD_MS + 300);
      expect(await service.get(OPERATOR, bot.id)).toMatchObject({
        endReason: 'internal_error',
        endDetail: 'job_lost',
      });
      await expect.poll(() => ended.filter((m) => m.state === 'ended')).toHaveLength(1);
      expect(ended.at(-1)?.view.endDetail).toBe('job_lost');
      const stream = await rig.redis.xrange(`${prefix}:bot-events-stream`, '-', '+');
      expect(stream.at(-1)?.[1].join(' ')).toContain('job_lost');
      // A worker that might still run it is told to leave.
      expect(await leaves.isLeaveRequested(bot.id)).toBe(true);
      // Counted when the round ends (it goes on with the pool and orphan jobs after ending the bot).
      await expect.poll(() => actionCount(metrics, 'job_lost')).toBe(1);

      // Its dedupe key and its Zoom user's seat in the meeting are free again.
      // Its dedupe key and its Zoom user's seat in the meeting are free again (the same request
      // holds both), and held again by the new bot.
      const again = await service.enqueue(OPERATOR, request(seat));
      expect(again).toMatchObject({ created: true, status: 201 });
      await expect(service.enqueue(OPERATOR, request({ ...seat, dedupeKey: 'k2' }))).rejects.toMatchObject({
        code: 'same_user_in_meeting',
      });
    } finally {
      await subscriber.quit();
    }
  });

  it('a freshly created bot whose job is not there yet is never ended', async () => {
    const rig = makeReconcilerRig();
    const { store, queue, service, crypto } = rig;
    const { reconciler } = rig.reconciler();
    // BotService.enqueue writes the view first and adds the job after: catch it in between.
    const createdMs = Date.now();
    await store.create({
      id: 'fresh',
      tenant: 'default',
      meetingNumber: MEETING,
      displayName: 'Fresh',
      state: 'queued',
      createdMs,
    });
    expect(await reconciler.tick()).toMatchObject({ jobLost: [] });
    expect((await service.get(OPERATOR, 'fresh')).state).toBe('queued');

    await addBotJob(
      queue,
      buildJobData('fresh', request() as never, crypto, new Date(createdMs).toISOString()),
    );
    await sleep(PERIOD_MS);
    expect(await reconciler.tick()).toMatchObject({ jobLost: [] });
    expect((await service.get(OPERATOR, 'fresh')).state).toBe('queued');
  });

  it('a bot whose job never came is ended once it is older than a period', async () => {
    const rig = makeReconcilerRig();
    const { reconciler } = rig.reconciler();
    await rig.store.create({
      id: 'never',
      tenant: 'default',
      meetingNumber: MEETING,
      displayName: 'Never',
      state: 'queued',
      createdMs: Date.now(),
    });
    expect((await reconciler.tick())?.jobLost).toEqual([]);
    await sleep(PERIOD_MS);
    expect((await reconciler.tick())?.jobLost).toEqual(['never']);
  });

  it('two reconcilers on one prefix: only the lease holder acts; the other takes over when it closes', async () => {
    const rig = makeReconcilerRig();
    const one = rig.reconciler();
    const two = rig.reconciler();
    const first = (await rig.service.enqueue(OPERATOR, request())).bot;
    const second = (await rig.service.enqueue(OPERATOR, request())).bot;
    await rig.queue.remove(first.id);
    await sleep(PERIOD_MS);

    const [a, b] = await Promise.all([one.reconciler.tick(), two.reconciler.tick()]);
    const [holder, other] = a ? [one, two] : [two, one];
    expect([a, b].filter((s) => s !== undefined)).toHaveLength(1);
    expect((a ?? b)?.jobLost).toEqual([first.id]);
    expect(await actionCount(holder.metrics, 'job_lost')).toBe(1);
    expect(await actionCount(other.metrics, 'job_lost')).toBe(0);
    expect(await other.reconciler.tick()).toBeUndefined();

    await rig.queue.remove(second.id);
    await holder.reconciler.close();
    expect((await other.reconciler.tick())?.jobLost).toEqual([second.id]);
    expect(await actionCount(other.metrics, 'job_lost')).toBe(1);
  });

  it('a live bot whose job failed ends too_many_stalls (stall limit) or job_failed (anything else)', async () => {
    const rig = makeReconcilerRig();
    const { service } = rig;
    const { reconciler, metrics } = rig.reconciler();
    const stalled = (await service.enqueue(OPERATOR, request())).bot;
    const crashed = (await service.enqueue(OPERATOR, request())).bot;
    for (const [bot, reason] of [
      [stalled, STALL_LIMIT_REASON],
      [crashed, 'boom'],
    ] as const) {
      const job = await holdJob(rig, `t-${bot.id}`);
      expect(job.id).toBe(bot.id);
      await rig.store.record(bot.id, { state: 'minting' });
      await job.moveToFailed(new Error(reason), `t-${bot.id}`);
    }
    const summary = await reconciler.tick();
    expect(summary).toMatchObject({ tooManyStalls: [stalled.id], jobFailed: [crashed.id], jobLost: [] });
    expect(await service.get(OPERATOR, stalled.id)).toMatchObject({
      state: 'ended',
      endReason: 'internal_error',
      endDetail: 'too_many_stalls',
    });
    expect(await service.get(OPERATOR, crashed.id)).toMatchObject({
      state: 'ended',
      endReason: 'internal_error',
      endDetail: 'job_failed: boom',
    });
    expect(await actionCount(metrics, 'too_many_stalls')).toBe(1);
    expect(await actionCount(metrics, 'job_failed')).toBe(1);
  });

  it('a job whose view was lost is removed when waiting, and its worker told to leave when held', async () => {
    const rig = makeReconcilerRig();
    const { service, queue, redis, store, leaves } = rig;
    const { reconciler, metrics } = rig.reconciler();
    const held = (await service.enqueue(OPERATOR, request())).bot;
    await holdJob(rig);
    const waiting = (await service.enqueue(OPERATOR, request())).bot;
    await redis.del(store.keys.bot(held.id), store.keys.bot(waiting.id));
    await sleep(PERIOD_MS);

    expect(await reconciler.tick()).toMatchObject({ orphansRemoved: [waiting.id], orphansLeft: [held.id] });
    expect(await queue.getJob(waiting.id)).toBeUndefined();
    expect(await queue.getJobState(held.id)).toBe('active');
    expect(await leaves.isLeaveRequested(held.id)).toBe(true);
    expect(await actionCount(metrics, 'orphan_job_removed')).toBe(1);
    expect(await actionCount(metrics, 'orphan_job_left')).toBe(1);
  });

  it('frees reservations of bots that ended without releasing them and recomputes the pool load', async () => {
    const rig = makeReconcilerRig();
    const { service, store, redis, prefix } = rig;
    const { reconciler, metrics } = rig.reconciler();
    const pool = new PoolReservations({ redis, prefix });
    await pool.add(['p1', 'p2']);
    const live = (
      await service.enqueue(
        OPERATOR,
        request({ meetingNumber: MEETING, auth: { type: 'zak', user: 'pool' } }),
      )
    ).bot;
    expect(await pool.reserve(MEETING, live.id, 'pool')).toBe('p1');
    // A worker died after its bot ended and before it released the pool user it held.
    const gone = (
      await service.enqueue(OPERATOR, request({ meetingNumber: '9876543210', auth: { type: 'zak' } }))
    ).bot;
    expect(await pool.reserve('9876543210', gone.id, 'pool')).toBe('p2');
    await pool.reserve('9876543210', gone.id, 'pool');
    await store.apply(gone.id, { state: 'ended', endReason: 'ended_by_host' });
    // And a counter that drifted on its own.
    await redis.zadd(`${prefix}:zoom:pool:load`, 7, 'p1');

    const summary = await reconciler.tick();
    expect(summary).toMatchObject({ reservationsReleased: 1, poolRecounted: 1 });
    expect(await pool.members()).toEqual([
      { userId: 'p2', load: 0 },
      { userId: 'p1', load: 1 },
    ]);
    expect(await pool.inMeeting('9876543210')).toEqual({});
    expect(await pool.inMeeting(MEETING)).toEqual({ p1: live.id });
    expect(await actionCount(metrics, 'reservation_released')).toBe(1);
    expect(await actionCount(metrics, 'pool_recomputed')).toBe(1);

    // Nothing left to fix: a second round changes nothing.
    expect(await reconciler.tick()).toMatchObject({ reservationsReleased: 0, poolRecounted: 0 });
  });
});
