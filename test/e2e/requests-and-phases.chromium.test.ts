import { describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { overlappingBotCopies } from '../../testkit/sim-invariants.js';
import { isAlive } from '../../testkit/worker-process.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/** Scheduling, leave in each phase, dedupe and the one-user-per-meeting rule, through a real worker. */
const rig = useWorkerRig();
const service = () => rig.runtime.layer.service;
const state = async (id: string) => (await service().get(OPERATOR, id)).state;

async function enqueue(meetingNumber: string, extra: Record<string, unknown> = {}): Promise<BotView> {
  const { bot } = await service().enqueue(OPERATOR, {
    meetingNumber,
    displayName: 'Phase Bot',
    auth: { type: 'zak' },
    ...extra,
  });
  return bot;
}

async function ended(id: string): Promise<BotView> {
  await expect.poll(() => state(id), { timeout: 20_000 }).toBe('ended');
  return service().get(OPERATOR, id);
}

describe('requests and phases', () => {
  it('joins at joinAt, not before', async () => {
    const meeting = await rig.sim.createMeeting();
    const joinAt = new Date(Date.now() + 2_500).toISOString();
    const bot = await enqueue(meeting.number, { joinAt });
    expect(bot.state).toBe('scheduled');
    // Deliberately lets time pass, still before joinAt.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await state(bot.id)).toBe('scheduled');
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(joinAt));
    await service().leave(OPERATOR, bot.id);
    await ended(bot.id);
  });

  it('leaves a scheduled bot at once: it never joins', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number, { joinAt: new Date(Date.now() + 60_000).toISOString() });
    const answer = await service().leave(OPERATOR, bot.id);
    expect(answer).toMatchObject({ state: 'ended', endReason: 'left_by_request' });
    expect(await rig.runtime.layer.queue.getJob(bot.id)).toBeUndefined();
  });

  it('leaves while waiting for the host', async () => {
    const meeting = await rig.sim.createMeeting({ started: false });
    const bot = await enqueue(meeting.number);
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('waiting_for_host');
    await service().leave(OPERATOR, bot.id);
    expect(await ended(bot.id)).toMatchObject({ endReason: 'left_by_request' });
    const view = await rig.sim.meeting(meeting.number);
    expect(view.participants.filter((p) => p.state !== 'left')).toEqual([]);
  });

  it('leaves while joining (the leave arrives before Zoom answers)', async () => {
    const meeting = await rig.sim.createMeeting();
    // Slow Zoom down so the bot is still minting or joining when the leave arrives.
    await rig.sim.call('PUT', '/_sim/limits', { latencyMs: 1_500 });
    try {
      const bot = await enqueue(meeting.number);
      await expect.poll(() => state(bot.id), { timeout: 10_000 }).toMatch(/minting|joining/);
      await service().leave(OPERATOR, bot.id);
      expect(await ended(bot.id)).toMatchObject({ endReason: 'left_by_request' });
    } finally {
      await rig.sim.call('PUT', '/_sim/limits', { latencyMs: 0 });
    }
    // Deliberately lets time pass: a join still on its way through the slowed sim would show by then.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const view = await rig.sim.meeting(meeting.number);
    expect(view.participants.filter((p) => p.state !== 'left')).toEqual([]);
  });

  it('answers a repeated dedupeKey with the live bot, and refuses a second bot of the same user', async () => {
    const meeting = await rig.sim.createMeeting();
    const first = await service().enqueue(OPERATOR, {
      meetingNumber: meeting.number,
      displayName: 'A',
      auth: { type: 'zak' },
      dedupeKey: 'call-7',
    });
    const again = await service().enqueue(OPERATOR, {
      meetingNumber: meeting.number,
      displayName: 'A',
      auth: { type: 'zak' },
      dedupeKey: 'call-7',
    });
    expect(again).toMatchObject({ created: false, status: 200, bot: { id: first.bot.id } });
    await expect(
      service().enqueue(OPERATOR, { meetingNumber: meeting.number, displayName: 'B', auth: { type: 'zak' } }),
    ).rejects.toMatchObject({
      status: 409,
      code: 'same_user_in_meeting',
    });
    await expect.poll(() => state(first.bot.id), { timeout: 30_000 }).toBe('in_meeting');
    await service().leave(OPERATOR, first.bot.id);
    await ended(first.bot.id);
  });

  it('rejoins after the whole Chromium process dies, and leaves no Chromium behind at shutdown', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const before = await rig.sim.botParticipant(meeting.number, bot.id);
    const [pid] = rig.runtime.pool.pids();
    expect(pid).toBeDefined();
    process.kill(pid as number, 'SIGKILL');
    await expect
      .poll(async () => (await service().get(OPERATOR, bot.id)).rejoins, { timeout: 30_000 })
      .toBe(1);
    await expect.poll(() => state(bot.id), { timeout: 15_000 }).toBe('in_meeting');
    // Back in the meeting: exactly one live copy, a new participant on a fresh token.
    const after = await rig.sim.botParticipant(meeting.number, bot.id);
    expect(after.id).not.toBe(before.id);
    expect(after.tokenId).toEqual(expect.any(String));
    expect(after.tokenId).not.toBe(before.tokenId);
    await service().leave(OPERATOR, bot.id);
    await ended(bot.id);
    // Never two copies at once in the meeting's history, and none left in it.
    const history = await rig.sim.meeting(meeting.number);
    expect(overlappingBotCopies(history)).toEqual([]);
    expect(history.participants.filter((p) => p.customerKey === bot.id && p.state === 'in_meeting')).toEqual(
      [],
    );
    const pids = rig.runtime.pool.pids();
    await rig.stopWorker();
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
