import { describe, expect, it } from 'vitest';
import type { BotView } from '../../shared/bot-view.js';
import { overlappingBotCopies } from '../helpers/sim-invariants.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * End to end: a request goes into the queue, a real worker (BullMQ, Chromium, the sim page build)
 * joins the sim with a just-minted ZAK, and the bot's life is what the sim and the bot view show.
 */
const rig = useWorkerRig();
const service = () => rig.runtime.layer.service;

async function botState(id: string): Promise<BotView['state']> {
  return (await service().get(id)).state;
}

async function enqueue(meetingNumber: string, extra: Record<string, unknown> = {}): Promise<BotView> {
  const { bot } = await service().enqueue({
    meetingNumber,
    displayName: 'Acme Notes 🤖',
    auth: { type: 'zak' },
    ...extra,
  });
  return bot;
}

async function inMeeting(meetingNumber: string, botId: string) {
  const view = await rig.sim.meeting(meetingNumber);
  return view.participants.filter((p) => p.customerKey === botId && p.state === 'in_meeting');
}

describe('a bot through the worker', () => {
  it('joins with a ZAK and a custom name: the sim shows the name, the service user avatar and the bot id', async () => {
    const meeting = await rig.sim.createMeeting({ requireAuth: true });
    const bot = await enqueue(meeting.number);
    await expect.poll(() => botState(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const [participant] = await inMeeting(meeting.number, bot.id);
    expect(participant).toMatchObject({
      userName: 'Acme Notes 🤖',
      customerKey: bot.id,
      userId: rig.sim.credentials.serviceUser.id,
    });
    expect(participant?.avatarUrl).toMatch(/^http/);
    const view = await service().get(bot.id);
    expect(view.events.map((e) => e.state)).toEqual(
      expect.arrayContaining(['queued', 'minting', 'joining', 'in_meeting']),
    );
    await service().leave(bot.id);
    await expect.poll(() => botState(bot.id), { timeout: 15_000 }).toBe('ended');
  });

  it('rejoins on a fresh token after a drop, and the meeting never holds two copies', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => botState(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const [first] = await inMeeting(meeting.number, bot.id);
    if (!first) throw new Error('bot not in meeting');
    await rig.sim.participantControl(meeting.number, first.id, 'drop');
    await expect
      .poll(async () => (await inMeeting(meeting.number, bot.id)).map((p) => p.id !== first.id), {
        timeout: 30_000,
      })
      .toEqual([true]);
    const [second] = await inMeeting(meeting.number, bot.id);
    expect(second?.tokenId).not.toBe(first.tokenId);
    await expect.poll(async () => (await service().get(bot.id)).rejoins, { timeout: 10_000 }).toBe(1);
    expect(await botState(bot.id)).toBe('in_meeting');
    expect(overlappingBotCopies(await rig.sim.meeting(meeting.number))).toEqual([]);
    await service().leave(bot.id);
    await expect.poll(() => botState(bot.id), { timeout: 15_000 }).toBe('ended');
  });

  it('ends as kicked when removed, without coming back', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => botState(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const [participant] = await inMeeting(meeting.number, bot.id);
    await rig.sim.participantControl(meeting.number, participant?.id ?? -1, 'remove');
    await expect.poll(() => botState(bot.id), { timeout: 15_000 }).toBe('ended');
    expect(await service().get(bot.id)).toMatchObject({ endReason: 'kicked', rejoins: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const joins = (await rig.sim.meeting(meeting.number)).history.filter((h) => h.event === 'joined');
    expect(joins).toHaveLength(1);
  });

  it('leaves on request while in the meeting', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => botState(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const answer = await service().leave(bot.id);
    expect(answer.state).toBe('leaving');
    await expect.poll(() => botState(bot.id), { timeout: 15_000 }).toBe('ended');
    expect(await service().get(bot.id)).toMatchObject({ endReason: 'left_by_request' });
    expect(await inMeeting(meeting.number, bot.id)).toEqual([]);
  });

  it('ends a malformed job put straight into the queue, and other bots carry on', async () => {
    const meeting = await rig.sim.createMeeting();
    await rig.runtime.layer.queue.add('join', { nonsense: true } as never, { jobId: 'hand-made-job' });
    const bot = await enqueue(meeting.number);
    await expect.poll(() => botState(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    await expect
      .poll(() => rig.runtime.layer.queue.getJobState('hand-made-job'), { timeout: 10_000 })
      .toBe('failed');
    const failed = await rig.runtime.layer.queue.getJob('hand-made-job');
    expect(failed?.failedReason).toContain('invalid_request');
    await service().leave(bot.id);
  });
});
