import { describe, expect, it } from 'vitest';
import { createBotQueue } from '../../runner/queue/bot-queue.js';
import type { BotService } from '../../runner/queue/bot-service.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { isAlive, spawnWorker, type WorkerProcess } from '../../testkit/worker-process.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * docs/contract.md §12: a bot whose job stalls (its worker died with it) more than 3 times ends
 * `internal_error`/`too_many_stalls`, so one poison bot cannot take down worker after worker. A
 * healthy bot that shares those workers comes back every time: its count starts afresh whenever it
 * is back in its meeting. Workers run one at a time in child processes, each killed with -9 as soon
 * as the poison bot is on its way in (joining, or waiting for a host who never comes).
 */
const checks = useChaosChecks();
const rig = useWorkerRig({}, { startWorker: false });

const ON_ITS_WAY_IN = new Set(['joining', 'waiting_for_host']);

describe('poison bot', () => {
  it('a bot that kills its worker every time it joins ends too_many_stalls after 3 stalls; the other bot on those workers comes back each time', async () => {
    const { service, close } = await rig.openProducer();
    const redis = connectTestRedis();
    const queue = createBotQueue({ connection: redis, prefix: rig.env().QUEUE_PREFIX as string });
    const workers: WorkerProcess[] = [];
    const spawn = async () => {
      const worker = spawnWorker(rig.env());
      workers.push(worker);
      await worker.ready;
      return worker;
    };
    const view = (bot: BotView) => service.get(OPERATOR, bot.id);
    try {
      let worker = await spawn();
      const live = await checks.createMeeting(rig.sim);
      const hostless = await checks.createMeeting(rig.sim, { started: false });
      const healthy = await enqueue(service, live.number, 'Healthy');
      const poison = await enqueue(service, hostless.number, 'Poison');

      for (let stall = 1; stall <= 4; stall++) {
        // This worker took both: the healthy bot is (back) in its meeting, the poison bot on its way in.
        await expect
          .poll(async () => pick(await view(healthy)), { timeout: 40_000, interval: 100 })
          .toEqual({ state: 'in_meeting', rejoins: stall - 1 });
        await expect
          .poll(
            async () => {
              const now = await view(poison);
              return ON_ITS_WAY_IN.has(now.state) && now.attempts === stall;
            },
            { timeout: 40_000, interval: 50 },
          )
          .toBe(true);
        const chromium = worker.descendants();
        worker.child.kill('SIGKILL');
        await worker.exited;
        await expect.poll(() => chromium.filter(isAlive), { timeout: 10_000 }).toEqual([]);
        worker = await spawn();
      }

      // The fifth worker finds the poison job stalled a fourth time and fails it without running it.
      await expect
        .poll(() => view(poison), { timeout: 40_000, interval: 100 })
        .toMatchObject({ state: 'ended', endReason: 'internal_error', endDetail: 'too_many_stalls' });
      await expect
        .poll(async () => pick(await view(healthy)), { timeout: 40_000, interval: 100 })
        .toEqual({ state: 'in_meeting', rejoins: 4 });
      const poisonJob = await queue.getJob(poison.id);
      expect(await poisonJob?.getState()).toBe('failed');
      expect(poisonJob?.stalledCounter).toBe(4);
      // Every stall of the healthy bot was forgiven once it was back in its meeting.
      await expect
        .poll(async () => (await queue.getJob(healthy.id))?.stalledCounter, { timeout: 10_000 })
        .toBe(0);

      // Exactly one live copy of the healthy bot; none of the poison bot.
      const inMeeting = (await rig.sim.meeting(live.number)).participants.filter(
        (p) => p.customerKey === healthy.id && p.state !== 'left',
      );
      expect(inMeeting.map((p) => p.state)).toEqual(['in_meeting']);
      await expect
        .poll(
          async () =>
            (await rig.sim.meeting(hostless.number)).participants.filter(
              (p) => p.customerKey === poison.id && p.state !== 'left',
            ),
          { timeout: 10_000 },
        )
        .toEqual([]);

      await service.leave(OPERATOR, healthy.id);
      await expect
        .poll(() => view(healthy), { timeout: 20_000 })
        .toMatchObject({ state: 'ended', endReason: 'left_by_request' });
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await Promise.all(workers.map((worker) => worker.exited));
      await queue.close();
      redis.disconnect();
      await close();
    }
  }, 120_000);
});

async function enqueue(service: BotService, meetingNumber: string, displayName: string): Promise<BotView> {
  return (await service.enqueue(OPERATOR, { meetingNumber, displayName, auth: { type: 'zak' } })).bot;
}

function pick(view: BotView): { state: string; rejoins: number } {
  return { state: view.state, rejoins: view.rejoins };
}
