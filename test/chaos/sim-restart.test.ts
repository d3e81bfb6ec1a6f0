import { afterAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotRequestInput } from '../../shared/bot-request.js';
import { isTerminal } from '../../shared/bot-states.js';
import type { BotView } from '../../shared/bot-view.js';
import { startTestSim } from '../../testkit/sim.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Zoom restarts under the fleet: here the sim goes away (sockets closed, port refused) and comes back
 * on the same port knowing nothing (docs/contract.md §8: no meetings, no tokens). A bot whose meeting vanished
 * must end with a named reason instead of hanging or retrying forever, and new bots must work again.
 */
const checks = useChaosChecks();
const rig = useWorkerRig();
const service = () => rig.runtime.layer.service;
const view = (id: string) => service().get(OPERATOR, id);
/** The sim the rig's helpers reach now (same URL throughout): the rig's own, or a restarted one. */
let current: RunningSim | undefined;
const running = () => current ?? rig.sim.sim;

afterAll(async () => {
  await current?.close();
});

/** Closes the sim (keeping the views of `meetings` for the after-test checks); `restart` starts it again. */
async function stopSim(meetings: string[]): Promise<{ restart(): Promise<void> }> {
  const old = running();
  for (const number of meetings) checks.keep(await rig.sim.meeting(number));
  await old.close();
  return {
    restart: async () => {
      current = await startTestSim({ port: old.port });
      expect(current.url).toBe(old.url);
    },
  };
}

async function enqueue(
  meetingNumber: string,
  displayName: string,
  extra: Partial<BotRequestInput> = {},
): Promise<BotView> {
  return (await service().enqueue(OPERATOR, { meetingNumber, displayName, auth: { type: 'zak' }, ...extra }))
    .bot;
}

const allEnded = async (bots: BotView[]) =>
  (await Promise.all(bots.map((b) => view(b.id)))).every((v) => isTerminal(v.state));

/** A bot enqueued now, on a meeting of the (restarted) sim, gets in. */
async function newBotJoins(): Promise<void> {
  const fresh = await checks.createMeeting(rig.sim);
  const after = await enqueue(fresh.number, 'After Restart');
  await expect.poll(async () => (await view(after.id)).state, { timeout: 30_000 }).toBe('in_meeting');
  const [participant] = (await rig.sim.meeting(fresh.number)).participants;
  expect(participant).toMatchObject({
    customerKey: after.id,
    userName: 'After Restart',
    state: 'in_meeting',
  });
  await service().leave(OPERATOR, after.id);
  await expect.poll(async () => (await view(after.id)).state, { timeout: 20_000 }).toBe('ended');
}

describe('zoom-sim restarted', () => {
  it('bots whose meetings vanished end with a named reason; a bot after the restart joins a new meeting', async () => {
    const live = await rig.sim.createMeeting();
    const notStarted = await rig.sim.createMeeting({ started: false });
    const lobby = await rig.sim.createMeeting({ waitingRoom: true });
    const inMeeting = await enqueue(live.number, 'In Meeting');
    const hostWait = await enqueue(notStarted.number, 'Host Wait');
    const waitingRoom = await enqueue(lobby.number, 'Waiting Room');
    const expected = {
      [inMeeting.id]: 'in_meeting',
      [hostWait.id]: 'waiting_for_host',
      [waitingRoom.id]: 'in_waiting_room',
    };
    for (const [id, state] of Object.entries(expected)) {
      await expect.poll(async () => (await view(id)).state, { timeout: 30_000 }).toBe(state);
    }

    // Zoom goes away with everyone in it, is unreachable for 3 s, and comes back empty.
    const sim = await stopSim([live.number, notStarted.number, lobby.number]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await sim.restart();

    const bots = [inMeeting, hostWait, waitingRoom];
    await expect.poll(() => allEnded(bots), { timeout: 60_000, interval: 500 }).toBe(true);
    for (const bot of bots) {
      const ended = await view(bot.id);
      // Back in: Zoom says the meeting does not exist (3001), which no retry can change.
      expect(ended, JSON.stringify(ended.events)).toMatchObject({ endReason: 'join_refused', endCode: 3001 });
    }
    // Nobody of ours is in the restarted sim, and nothing is left in the queue (a job completes just
    // after its bot's `ended` is recorded).
    await expect
      .poll(() => rig.runtime.layer.queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized'), {
        timeout: 10_000,
      })
      .toEqual({ active: 0, waiting: 0, delayed: 0, prioritized: 0 });

    await newBotJoins();
  });

  it('Zoom away longer than the rejoin budget: the bots end with named reasons while it is away', async () => {
    const meeting = await rig.sim.createMeeting();
    const rejoin = { max: 2, backoffMs: 500 };
    const withZak = await enqueue(meeting.number, 'With ZAK', { rejoin });
    const anonymous = await enqueue(meeting.number, 'Anonymous', { rejoin, auth: { type: 'none' } });
    for (const bot of [withZak, anonymous]) {
      await expect.poll(async () => (await view(bot.id)).state, { timeout: 30_000 }).toBe('in_meeting');
    }

    const sim = await stopSim([meeting.number]);
    try {
      await expect.poll(() => allEnded([withZak, anonymous]), { timeout: 30_000, interval: 500 }).toBe(true);
    } finally {
      await sim.restart();
    }
    // The ZAK bot cannot mint (Zoom's REST API is gone); the anonymous one cannot get back in.
    expect(await view(withZak.id)).toMatchObject({ endReason: 'auth_failed', endDetail: 'zoom_unavailable' });
    expect(await view(anonymous.id)).toMatchObject({ endReason: 'rejoin_limit' });
    await newBotJoins();
  });
});
