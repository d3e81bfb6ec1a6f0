import { describe, expect, it } from 'vitest';
import { overlappingBotCopies } from '../helpers/sim-invariants.js';
import { isAlive, spawnWorker } from '../helpers/worker-process.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Workers die and are deployed over while bots sit in meetings. A bot must come back from another
 * worker within seconds, and no meeting may hold a ghost (a copy left by the dead worker's Chromium).
 */
const rig = useWorkerRig({}, { startWorker: false });

async function participantsOf(meetingNumber: string, botId: string) {
  const view = await rig.sim.meeting(meetingNumber);
  return view.participants.filter((p) => p.customerKey === botId && p.state === 'in_meeting');
}

describe('worker failover', () => {
  it('worker killed with -9: its Chromium dies with it and a second worker brings the bot back', async () => {
    const { service, close } = await rig.openProducer();
    const first = spawnWorker(rig.env());
    try {
      await first.ready;
      const meeting = await rig.sim.createMeeting();
      const { bot } = await service.enqueue({
        meetingNumber: meeting.number,
        displayName: 'Survivor',
        auth: { type: 'zak' },
      });
      await expect
        .poll(async () => (await service.get(bot.id)).state, { timeout: 30_000 })
        .toBe('in_meeting');
      const [before] = await participantsOf(meeting.number, bot.id);
      const chromium = first.descendants();
      expect(chromium.length).toBeGreaterThan(0);

      first.child.kill('SIGKILL');
      await first.exited;
      // No ghost: Chromium was launched over a pipe and exits with its worker.
      await expect.poll(() => chromium.filter(isAlive), { timeout: 10_000 }).toEqual([]);
      await expect.poll(async () => participantsOf(meeting.number, bot.id), { timeout: 10_000 }).toEqual([]);

      const killedAt = Date.now();
      await rig.startWorker();
      await expect
        .poll(async () => (await participantsOf(meeting.number, bot.id)).length, { timeout: 40_000 })
        .toBe(1);
      const backAfterMs = Date.now() - killedAt;
      const [after] = await participantsOf(meeting.number, bot.id);
      expect(after?.tokenId).not.toBe(before?.tokenId);
      await expect.poll(async () => (await service.get(bot.id)).rejoins, { timeout: 10_000 }).toBe(1);
      expect(backAfterMs).toBeLessThan(40_000);
      expect(overlappingBotCopies(await rig.sim.meeting(meeting.number))).toEqual([]);
      await service.leave(bot.id);
      await expect.poll(async () => (await service.get(bot.id)).state, { timeout: 15_000 }).toBe('ended');
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
      await close();
    }
  }, 120_000);

  it('SIGTERM in handoff mode: the bot leaves, is requeued and rejoins from another worker at once', async () => {
    await rig.stopWorker();
    const { service, close } = await rig.openProducer();
    const leaving = spawnWorker(rig.env());
    try {
      await leaving.ready;
      const meeting = await rig.sim.createMeeting();
      const { bot } = await service.enqueue({
        meetingNumber: meeting.number,
        displayName: 'Handed Off',
        auth: { type: 'zak' },
      });
      await expect
        .poll(async () => (await service.get(bot.id)).state, { timeout: 30_000 })
        .toBe('in_meeting');
      await rig.startWorker();

      const termAt = Date.now();
      leaving.child.kill('SIGTERM');
      expect(await leaving.exited, leaving.output.join('').slice(-3000)).toBe(0);
      expect(Date.now() - termAt).toBeLessThan(Number(rig.env().SHUTDOWN_GRACE_SEC) * 1000 + 3_000);
      await expect
        .poll(async () => (await participantsOf(meeting.number, bot.id)).length, { timeout: 15_000 })
        .toBe(1);
      // Requeued by the leaving worker (ahead of new joins), not found stalled after its lock expired.
      const job = await rig.runtime.layer.queue.getJob(bot.id);
      expect(job?.stalledCounter ?? 0).toBe(0);
      await expect
        .poll(async () => {
          const view = await service.get(bot.id);
          return {
            state: view.state,
            rejoins: view.rejoins,
            events: view.events.map((e) => e.state).join(' '),
          };
        })
        .toMatchObject({ state: 'in_meeting', rejoins: 1 });
      expect(overlappingBotCopies(await rig.sim.meeting(meeting.number))).toEqual([]);
      await service.leave(bot.id);
    } finally {
      if (leaving.child.exitCode === null) leaving.child.kill('SIGKILL');
      await close();
    }
  }, 120_000);
});
