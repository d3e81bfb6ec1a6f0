import { describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { overlappingBotCopies } from '../../testkit/sim-invariants.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * End to end: a request goes into the queue, a real worker (BullMQ, Chromium, the sim page build)
 * joins the sim with a just-minted ZAK, and the bot's life is what the sim and the bot view show.
 */
const rig = useWorkerRig();
const service = () => rig.runtime.layer.service;

async function botState(id: string): Promise<BotView['state']> {
  return (await service().get(OPERATOR, id)).state;
}

async function enqueue(meetingNumber: string, extra: Record<string, unknown> = {}): Promise<BotView> {
  const { bot } = await service().enqueue(OPERATOR, {
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
    const participant = await rig.sim.botParticipant(meeting.number, bot.id);
    expect(participant).toMatchObject({
      userName: 'Acme Notes 🤖',
      customerKey: bot.id,
      userId: rig.sim.credentials.serviceUser.id,
    });
    expect(participant.avatarUrl).toMatch(/^http/);
    const view = await service().get(OPERATOR, bot.id);
    expect(view.events.map((e) => e.state)).toEqual(
      expect.arrayContaining(['queued', 'minting', 'joining', 'in_meeting']),
    );
    await service().leave(OPERATOR, bot.id);
    await expect.poll(() => botState(bot.id), { timeout: 15_000 }).toBe('ended');
  });

  it('rejoins on a fresh token after a drop, and the meeting never holds two copies', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => botState(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const first = await rig.sim.botParticipant(meeting.number, bot.id);
    await rig.sim.participantControl(meeting.number, first.id, 'drop');
    await expect
      .poll(async () => (await inMeeting(meeting.number, bot.id)).map((p) => p.id !== first.id), {
        timeout: 30_000,
      })
      .toEqual([true]);
    const second = await rig.sim.botParticipant(meeting.number, bot.id);
    expect(second.tokenId).toEqual(expect.any(String));
    expect(second.tokenId).not.toBe(first.tokenId);
    await expect
      .poll(async () => (await service().get(OPERATOR, bot.id)).rejoins, { timeout: 10_000 })
      .toBe(1);
    expect(await botState(bot.id)).toBe('in_meeting');
    expect(overlappingBotCopies(await rig.sim.meeting(meeting.number))).toEqual([]);
    await service().leave(OPERATOR, bot.id);
    await expect.poll(() => botState(bot.id), { timeout: 15_000 }).toBe('ended');
  });

  it('ends as kicked when removed, without coming back', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => botState(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const participant = await rig.sim.botParticipant(meeting.number, bot.id);
    await rig.sim.participantControl(meeting.number, participant.id, 'remove');
    await expect.poll(() => botState(bot.id), { timeout: 15_000 }).toBe('ended');
    expect(await service().get(OPERATOR, bot.id)).toMatchObject({ endReason: 'kicked', rejoins: 0 });
    // Deliberately lets time pass: a wrong rejoin would come within it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const joins = (await rig.sim.meeting(meeting.number)).history.filter((h) => h.event === 'joined');
    expect(joins).toHaveLength(1);
  });

  it('leaves on request while in the meeting', async () => {
    const meeting = await rig.sim.createMeeting();
    const bot = await enqueue(meeting.number);
    await expect.poll(() => botState(bot.id), { timeout: 30_000 }).toBe('in_meeting');
    const answer = await service().leave(OPERATOR, bot.id);
    expect(answer.state).toBe('leaving');
    await expect.poll(() => botState(bot.id), { timeout: 15_000 }).toBe('ended');
    expect(await service().get(OPERATOR, bot.id)).toMatchObject({ endReason: 'left_by_request' });
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
    await service().leave(OPERATOR, bot.id);
  });

  it('joins a passcode meeting with its passcode, ends join_refused 3004 with a wrong one, and never keeps one in clear', async () => {
    const passcode = 'p@ss 1';
    const wrongPasscode = 'p@ss 2';
    const meeting = await rig.sim.createMeeting({ passcode });
    const { service: producer, close } = await rig.openProducer();
    const redis = connectTestRedis();
    try {
      const { bot: right } = await producer.enqueue(OPERATOR, {
        meetingNumber: meeting.number,
        displayName: 'Passcode Bot',
        auth: { type: 'zak' },
        passcode,
      });
      const { bot: wrong } = await producer.enqueue(OPERATOR, {
        meetingNumber: meeting.number,
        displayName: 'Wrong Passcode Bot',
        auth: { type: 'none' },
        passcode: wrongPasscode,
      });
      const secrets = [passcode, wrongPasscode].flatMap((p) => [
        p,
        encodeURIComponent(p),
        p.replace(' ', '+'),
      ]);
      const inClear = (text: string) => secrets.filter((secret) => text.includes(secret));

      // The job as it sits in Redis: the passcode is sealed beside the request, never in clear.
      for (const bot of [right, wrong]) {
        const job = await redis.hgetall(`${rig.env().QUEUE_PREFIX}:bots:${bot.id}`);
        expect(job.data, `job hash of ${bot.id}`).toEqual(expect.any(String));
        expect(JSON.parse(job.data as string).sealed.passcode).toMatch(/^v1\./);
        expect(inClear(JSON.stringify(job)), `job hash of ${bot.id}`).toEqual([]);
      }

      await expect
        .poll(async () => (await producer.get(OPERATOR, right.id)).state, { timeout: 30_000 })
        .toBe('in_meeting');
      expect(await rig.sim.botParticipant(meeting.number, right.id)).toMatchObject({
        userName: 'Passcode Bot',
        state: 'in_meeting',
      });
      await expect
        .poll(async () => (await producer.get(OPERATOR, wrong.id)).state, { timeout: 30_000 })
        .toBe('ended');
      expect(await producer.get(OPERATOR, wrong.id)).toMatchObject({
        endReason: 'join_refused',
        endCode: 3004,
      });
      const copies = (await rig.sim.meeting(meeting.number)).participants.filter(
        (p) => p.customerKey === wrong.id,
      );
      expect(copies).toEqual([]);

      for (const bot of [right, wrong]) {
        expect(inClear(JSON.stringify(await producer.get(OPERATOR, bot.id))), `view of ${bot.id}`).toEqual(
          [],
        );
      }
      await producer.leave(OPERATOR, right.id);
      await expect
        .poll(async () => (await producer.get(OPERATOR, right.id)).state, { timeout: 15_000 })
        .toBe('ended');
      expect(rig.logLines.length).toBeGreaterThan(0);
      expect(inClear(rig.logLines.join('\n')), 'log lines').toEqual([]);
    } finally {
      redis.disconnect();
      await close();
    }
  });
});
