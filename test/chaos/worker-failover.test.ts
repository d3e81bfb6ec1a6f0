import { describe, expect, it } from 'vitest';
import type { BotService } from '../../runner/queue/bot-service.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotRequestInput } from '../../shared/bot-request.js';
import type { BotView } from '../../shared/bot-view.js';
import { isAlive, spawnWorker } from '../../testkit/worker-process.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Workers die and are deployed over while bots sit in meetings, wait, or are on their way in. Every
 * bot must come back from another worker in the state it had, within seconds, and no meeting may
 * hold a ghost (a copy left by the dead worker's Chromium).
 */
const checks = useChaosChecks();
const rig = useWorkerRig({}, { startWorker: false });

async function participantsOf(meetingNumber: string, botId: string, state = 'in_meeting') {
  const view = await rig.sim.meeting(meetingNumber);
  return view.participants.filter((p) => p.customerKey === botId && p.state === state);
}

async function enqueue(service: BotService, request: BotRequestInput): Promise<BotView> {
  return (await service.enqueue(OPERATOR, request)).bot;
}

describe('worker failover', () => {
  it('worker killed with -9 while its bots join, wait and sit in meetings: a second worker takes each back to its state', async () => {
    const { service, close } = await rig.openProducer();
    const first = spawnWorker(rig.env());
    const stateOf = async (id: string) => (await service.get(OPERATOR, id)).state;
    try {
      await first.ready;
      const live = await checks.createMeeting(rig.sim);
      const notStarted = await checks.createMeeting(rig.sim, { started: false });
      const lobby = await checks.createMeeting(rig.sim, { waitingRoom: true });
      const later = await checks.createMeeting(rig.sim);
      const inMeeting = await enqueue(service, {
        meetingNumber: live.number,
        displayName: 'In Meeting',
        auth: { type: 'zak' },
      });
      const hostWait = await enqueue(service, {
        meetingNumber: notStarted.number,
        displayName: 'Host Wait',
        auth: { type: 'zak' },
      });
      const waitingRoom = await enqueue(service, {
        meetingNumber: lobby.number,
        displayName: 'Waiting Room',
        auth: { type: 'zak' },
      });
      await expect.poll(() => stateOf(inMeeting.id), { timeout: 30_000 }).toBe('in_meeting');
      await expect.poll(() => stateOf(hostWait.id), { timeout: 30_000 }).toBe('waiting_for_host');
      await expect.poll(() => stateOf(waitingRoom.id), { timeout: 30_000 }).toBe('in_waiting_room');
      // A slow Zoom keeps the fourth bot on its way in (minting its token) when the worker dies.
      await rig.sim.call('PUT', '/_sim/limits', { latencyMs: 5_000 });
      const joining = await enqueue(service, {
        meetingNumber: later.number,
        displayName: 'Joining',
        auth: { type: 'zak' },
      });
      await expect.poll(() => stateOf(joining.id), { timeout: 15_000 }).toBe('minting');
      const before = await rig.sim.botParticipant(live.number, inMeeting.id);
      const chromium = first.descendants();
      expect(chromium.length).toBeGreaterThan(0);

      first.child.kill('SIGKILL');
      await first.exited;
      await rig.sim.call('PUT', '/_sim/limits', { latencyMs: 0 });
      // Its Chromium (over a pipe) dies with it: nobody of the dead worker stays in any meeting.
      await expect.poll(() => chromium.filter(isAlive), { timeout: 10_000 }).toEqual([]);
      for (const [meeting, bot] of [
        [live, inMeeting],
        [notStarted, hostWait],
        [lobby, waitingRoom],
      ] as const) {
        await expect
          .poll(
            async () =>
              (await rig.sim.meeting(meeting.number)).participants.filter(
                (p) => p.customerKey === bot.id && p.state !== 'left',
              ),
            { timeout: 10_000 },
          )
          .toEqual([]);
      }

      await rig.startWorker();
      // The views still show what the dead worker last recorded: wait for what the new one records
      // (a rejoin counted, a second attempt) and for its copies in the meetings.
      await expect
        .poll(() => service.get(OPERATOR, inMeeting.id), { timeout: 40_000 })
        .toMatchObject({ state: 'in_meeting', rejoins: 1 });
      await expect.poll(() => stateOf(joining.id), { timeout: 40_000 }).toBe('in_meeting');
      await expect
        .poll(async () => (await participantsOf(notStarted.number, hostWait.id, 'waiting_for_host')).length, {
          timeout: 40_000,
        })
        .toBe(1);
      await expect
        .poll(async () => (await participantsOf(lobby.number, waitingRoom.id, 'in_waiting_room')).length, {
          timeout: 40_000,
        })
        .toBe(1);
      await expect.poll(() => stateOf(hostWait.id), { timeout: 10_000 }).toBe('waiting_for_host');
      await expect.poll(() => stateOf(waitingRoom.id), { timeout: 10_000 }).toBe('in_waiting_room');
      // Back in the meeting: exactly one live copy, a new participant on a fresh token.
      const after = await rig.sim.botParticipant(live.number, inMeeting.id);
      expect(after.id).not.toBe(before.id);
      expect(after.tokenId).toEqual(expect.any(String));
      expect(after.tokenId).not.toBe(before.tokenId);

      // The waits carry on from the second worker: the host starts, the waiting room admits.
      await rig.sim.control(notStarted.number, 'start');
      const [held] = await participantsOf(lobby.number, waitingRoom.id, 'in_waiting_room');
      if (!held) throw new Error('the waiting-room bot is not in the waiting room');
      await rig.sim.participantControl(lobby.number, held.id, 'admit');
      await expect.poll(() => stateOf(hostWait.id), { timeout: 15_000 }).toBe('in_meeting');
      await expect.poll(() => stateOf(waitingRoom.id), { timeout: 15_000 }).toBe('in_meeting');

      for (const bot of [inMeeting, hostWait, waitingRoom, joining]) await service.leave(OPERATOR, bot.id);
      for (const bot of [inMeeting, hostWait, waitingRoom, joining]) {
        await expect
          .poll(() => service.get(OPERATOR, bot.id), { timeout: 20_000 })
          .toMatchObject({
            state: 'ended',
            endReason: 'left_by_request',
          });
      }
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
      await rig.sim.call('PUT', '/_sim/limits', { latencyMs: 0 });
      await close();
    }
  }, 120_000);

  it('SIGTERM in handoff mode: the bot leaves, is requeued and rejoins from another worker at once', async () => {
    await rig.stopWorker();
    const { service, close } = await rig.openProducer();
    const leaving = spawnWorker(rig.env());
    try {
      await leaving.ready;
      const meeting = await checks.createMeeting(rig.sim);
      const { bot } = await service.enqueue(OPERATOR, {
        meetingNumber: meeting.number,
        displayName: 'Handed Off',
        auth: { type: 'zak' },
      });
      await expect
        .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 30_000 })
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
          const view = await service.get(OPERATOR, bot.id);
          return { state: view.state, rejoins: view.rejoins };
        })
        .toMatchObject({ state: 'in_meeting', rejoins: 1 });
      await service.leave(OPERATOR, bot.id);
      await expect
        .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 15_000 })
        .toBe('ended');
    } finally {
      if (leaving.child.exitCode === null) leaving.child.kill('SIGKILL');
      await close();
    }
  }, 120_000);
});
