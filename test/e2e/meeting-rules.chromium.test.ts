import { describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { overlappingBotCopies } from '../../testkit/sim-invariants.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/** Waits, leave rules and the meeting's own events, end to end through a real worker and the sim. */
const rig = useWorkerRig({ RECONNECT_GRACE_MS: '1500' });
const service = () => rig.runtime.layer.service;

async function view(id: string): Promise<BotView> {
  return service().get(OPERATOR, id);
}
const state = async (id: string) => (await view(id)).state;

async function enqueue(meetingNumber: string, extra: Record<string, unknown> = {}): Promise<BotView> {
  const { bot } = await service().enqueue(OPERATOR, {
    meetingNumber,
    displayName: 'Rule Bot',
    auth: { type: 'zak' },
    ...extra,
  });
  return bot;
}

async function participant(meetingNumber: string, botId: string) {
  const meeting = await rig.sim.meeting(meetingNumber);
  return meeting.participants.find((p) => p.customerKey === botId && p.state !== 'left');
}

async function ended(id: string, timeout = 20_000): Promise<BotView> {
  await expect.poll(() => state(id), { timeout }).toBe('ended');
  return view(id);
}

describe('waits and leave rules', () => {
  it('waits in the waiting room, and is in the meeting once admitted', async () => {
    const meeting = await rig.sim.createMeeting({ waitingRoom: true });
    const bot = await enqueue(meeting.number);
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_waiting_room');
    const held = await participant(meeting.number, bot.id);
    if (held?.state !== 'in_waiting_room')
      throw new Error(`not in the waiting room: ${JSON.stringify(held)}`);
    await rig.sim.participantControl(meeting.number, held.id, 'admit');
    await expect.poll(() => state(bot.id), { timeout: 10_000 }).toBe('in_meeting');
    await service().leave(OPERATOR, bot.id);
    await ended(bot.id);
  });

  it('gives up on the waiting room after leave.waitingRoomSec', async () => {
    const meeting = await rig.sim.createMeeting({ waitingRoom: true });
    const bot = await enqueue(meeting.number, { leave: { waitingRoomSec: 1.5 } });
    expect(await ended(bot.id)).toMatchObject({ endReason: 'waiting_room_timeout' });
    expect(await participant(meeting.number, bot.id)).toBeUndefined();
  });

  it('waits for the host, joins when the meeting starts', async () => {
    const meeting = await rig.sim.createMeeting({ started: false });
    const bot = await enqueue(meeting.number);
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('waiting_for_host');
    await rig.sim.control(meeting.number, 'start');
    await expect.poll(() => state(bot.id), { timeout: 10_000 }).toBe('in_meeting');
    await service().leave(OPERATOR, bot.id);
    await ended(bot.id);
  });

  it('gives up on a host who never starts after leave.hostNotStartedSec', async () => {
    const meeting = await rig.sim.createMeeting({ started: false });
    const bot = await enqueue(meeting.number, { leave: { hostNotStartedSec: 1.5 } });
    expect(await ended(bot.id)).toMatchObject({ endReason: 'host_not_started_timeout' });
  });

  it('joins on behalf of a user once that user is in the meeting (OBF, 4017 until then)', async () => {
    const owner = rig.sim.credentials.serviceUser.id;
    const meeting = await rig.sim.createMeeting({ requireAuth: true });
    const bot = await enqueue(meeting.number, { auth: { type: 'obf', user: owner } });
    await expect
      .poll(async () => (await rig.sim.stats()).joinsRefused['4017'] ?? 0, { timeout: 30_000 })
      .toBeGreaterThan(0);
    expect(await state(bot.id)).not.toBe('ended');
    await rig.sim.addHuman(meeting.number, 'Meeting Owner', owner);
    await expect.poll(() => state(bot.id), { timeout: 20_000 }).toBe('in_meeting');
    await service().leave(OPERATOR, bot.id);
    await ended(bot.id);
  });

  it('ends authoriser_left when the OBF user leaves, without rejoining', async () => {
    const owner = rig.sim.credentials.serviceUser.id;
    const meeting = await rig.sim.createMeeting({ requireAuth: true });
    const human = await rig.sim.addHuman(meeting.number, 'Meeting Owner', owner);
    const bot = await enqueue(meeting.number, { auth: { type: 'obf', user: owner } });
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    await rig.sim.participantControl(meeting.number, human, 'leave');
    expect(await ended(bot.id)).toMatchObject({ endReason: 'authoriser_left', rejoins: 0 });
  });

  it('ends ended_by_host when the meeting ends', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    await rig.sim.control(meeting.number, 'end');
    expect(await ended(bot.id)).toMatchObject({ endReason: 'ended_by_host', rejoins: 0 });
  });

  it('rides out a short network blip without a new token', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const before = await rig.sim.botParticipant(meeting.number, bot.id);
    await rig.sim.participantControl(meeting.number, before.id, 'drop', { forMs: 500 });
    await expect
      .poll(async () => (await view(bot.id)).events.some((e) => e.state === 'reconnecting'), {
        timeout: 10_000,
      })
      .toBe(true);
    await expect.poll(() => state(bot.id), { timeout: 10_000 }).toBe('in_meeting');
    // The same participant, back in the meeting on the same token.
    const after = await rig.sim.botParticipant(meeting.number, bot.id);
    expect(after.id).toBe(before.id);
    expect(after.tokenId).toEqual(expect.any(String));
    expect(after.tokenId).toBe(before.tokenId);
    expect((await view(bot.id)).rejoins).toBe(0);
    await service().leave(OPERATOR, bot.id);
    await ended(bot.id);
  });

  it('rejoins when the SDK does not reconnect within RECONNECT_GRACE_MS', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const before = await rig.sim.botParticipant(meeting.number, bot.id);
    await rig.sim.participantControl(meeting.number, before.id, 'drop', { forMs: 10_000 });
    await expect.poll(async () => (await view(bot.id)).rejoins, { timeout: 20_000 }).toBe(1);
    await expect.poll(() => state(bot.id), { timeout: 10_000 }).toBe('in_meeting');
    // Back in the meeting as a new participant, on a fresh token.
    const after = await rig.sim.botParticipant(meeting.number, bot.id);
    expect(after.id).not.toBe(before.id);
    expect(after.tokenId).toEqual(expect.any(String));
    expect(after.tokenId).not.toBe(before.tokenId);
    expect(overlappingBotCopies(await rig.sim.meeting(meeting.number))).toEqual([]);
    await service().leave(OPERATOR, bot.id);
    await ended(bot.id);
  });

  it('rejoins after its page crashes', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const before = await rig.sim.botParticipant(meeting.number, bot.id);
    // Crash the bot's renderer the way Chromium does when a tab runs out of memory.
    const page = rig.runtime.pool.pageOf(bot.id);
    expect(page).toBeDefined();
    await page?.puppeteerPage.goto('chrome://crash').catch(() => {});
    await expect.poll(async () => (await view(bot.id)).rejoins, { timeout: 20_000 }).toBe(1);
    await expect.poll(() => state(bot.id), { timeout: 10_000 }).toBe('in_meeting');
    const after = await rig.sim.botParticipant(meeting.number, bot.id);
    expect(after.id).not.toBe(before.id);
    expect(after.tokenId).toEqual(expect.any(String));
    expect(after.tokenId).not.toBe(before.tokenId);
    expect(overlappingBotCopies(await rig.sim.meeting(meeting.number))).toEqual([]);
    await service().leave(OPERATOR, bot.id);
    await ended(bot.id);
  });

  it('leaves when alone for leave.aloneSec, counting only people', async () => {
    const meeting = await rig.sim.createMeeting();
    const human = await rig.sim.addHuman(meeting.number, 'Alice');
    const bot = await enqueue(meeting.number, { leave: { aloneSec: 1 } });
    const other = await enqueue(meeting.number, { auth: { type: 'none' }, displayName: 'Other Bot' });
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    await expect.poll(() => state(other.id), { timeout: 30_000 }).toBe('in_meeting');
    // Deliberately longer than aloneSec: with Alice there, the bot must not leave.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await state(bot.id)).toBe('in_meeting');
    await rig.sim.participantControl(meeting.number, human, 'leave');
    // Only our other bot remains: that is alone.
    expect(await ended(bot.id, 15_000)).toMatchObject({ endReason: 'alone' });
    await service().leave(OPERATOR, other.id);
    await ended(other.id);
  });

  it('leaves after leave.maxDurationSec in the meeting', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number, { leave: { maxDurationSec: 1.5 } });
    await expect.poll(() => state(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    expect(await ended(bot.id, 15_000)).toMatchObject({ endReason: 'max_duration' });
    expect(await participant(meeting.number, bot.id)).toBeUndefined();
  });
});
