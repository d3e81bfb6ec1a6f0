import { describe, expect, it } from 'vitest';
import type { SimParticipant } from '../../zoom-sim/client/sim-participant.js';
import { participantIn, useSim } from '../helpers/sim-harness.js';

const sim = useSim();

async function idOf(participant: SimParticipant): Promise<number> {
  const result = await participant.joinResult();
  if (!result.ok) throw new Error(`refused ${result.errorCode}`);
  return result.participantId;
}

const historyOf = async (number: string, id: number) =>
  (await sim.meeting(number)).history.filter((h) => h.participantId === id).map((h) => h.event);

describe('meeting lifecycle over the participant socket', () => {
  it('joins a started meeting: join-result, Connected, the attendee list', async () => {
    const { number } = await sim.createMeeting();
    const first = await sim.joinConnected(number, { userName: 'First' });
    const second = await sim.joinConnected(number, { userName: 'Second' });
    const added = await first.waitForMessage(
      (m) => m.type === 'user-added' && m.participants.some((p) => p.userName === 'Second'),
    );
    expect(added.type).toBe('user-added');
    const list = await second.waitForMessage((m) => m.type === 'user-added');
    expect(list.type === 'user-added' && list.participants.map((p) => p.userName).sort()).toEqual([
      'First',
      'Second',
    ]);
    expect(first.badFrames).toEqual([]);
    const view = await sim.meeting(number);
    expect(participantIn(view, await idOf(first)).state).toBe('in_meeting');
  });

  it('not started: Fail 3008 and the socket stays; joined when the host starts', async () => {
    const { number } = await sim.createMeeting({ started: false });
    const bot = await sim.join(number);
    expect(await bot.waitForConnection('Fail')).toEqual({
      state: 'Fail',
      errorCode: 3008,
      reason: 'meeting has not started',
    });
    expect(bot.closed).toBe(false);
    expect((await sim.meeting(number)).participants[0]?.state).toBe('waiting_for_host');
    await sim.control(number, 'start');
    await bot.waitForConnection('Connected');
    const id = await idOf(bot);
    expect(await historyOf(number, id)).toEqual(['waiting_for_host', 'joined']);
  });

  it('not started with a waiting room: on hold once the host starts', async () => {
    const { number } = await sim.createMeeting({ started: false, waitingRoom: true });
    const bot = await sim.join(number);
    await bot.waitForConnection('Fail');
    await sim.control(number, 'start');
    await bot.waitForConnection('Reconnecting', 'on hold');
    expect(bot.self?.isHold).toBe(true);
  });

  it('waiting room: isHold and Reconnecting "on hold", then admit → Connected with isHold false', async () => {
    const { number } = await sim.createMeeting({ waitingRoom: true });
    const bot = await sim.join(number);
    const id = await idOf(bot);
    await bot.waitForConnection('Reconnecting', 'on hold');
    const types = bot.messages.map((m) => m.type);
    // isHold reaches the client before the 'on hold' signal, as the runner reads them together.
    expect(types.indexOf('user-updated')).toBeLessThan(types.indexOf('connection-change'));
    expect(bot.self?.isHold).toBe(true);
    expect(participantIn(await sim.meeting(number), id).state).toBe('in_waiting_room');

    expect((await sim.participantControl(number, id, 'admit')).status).toBe(200);
    await bot.waitForConnection('Connected');
    expect(bot.self?.isHold).toBe(false);
    expect(await historyOf(number, id)).toEqual(['on_hold', 'admitted']);
  });

  it('the host (hostUserId) skips the waiting room', async () => {
    const { number } = await sim.createMeeting({
      waitingRoom: true,
      hostUserId: sim.credentials.serviceUser.email,
    });
    const host = await sim.joinConnected(number, { zak: await sim.mintZak() });
    expect(host.self?.isHost).toBe(true);
  });

  it('remove: Closed "kicked by host", also from the waiting room', async () => {
    const { number } = await sim.createMeeting();
    const bot = await sim.joinConnected(number);
    const id = await idOf(bot);
    await sim.participantControl(number, id, 'remove');
    expect(await bot.waitForConnection('Closed')).toEqual({ state: 'Closed', reason: 'kicked by host' });
    await bot.waitForClose();
    expect(participantIn(await sim.meeting(number), id).state).toBe('left');
    expect(await historyOf(number, id)).toEqual(['joined', 'removed']);

    const held = await sim.createMeeting({ waitingRoom: true });
    const waiting = await sim.join(held.number);
    await waiting.waitForConnection('Reconnecting', 'on hold');
    await sim.participantControl(held.number, await idOf(waiting), 'remove');
    expect(await waiting.waitForConnection('Closed')).toEqual({ state: 'Closed', reason: 'kicked by host' });
  });

  it('end: everyone gets Closed "ended by host", waiting ones included', async () => {
    const { number } = await sim.createMeeting({ started: false });
    const waiting = await sim.join(number);
    await waiting.waitForConnection('Fail');
    await sim.control(number, 'start');
    const inside = await sim.joinConnected(number);
    await sim.control(number, 'end');
    for (const p of [waiting, inside]) {
      expect(await p.waitForConnection('Closed')).toEqual({ state: 'Closed', reason: 'ended by host' });
    }
    const view = await sim.meeting(number);
    expect(view.ended).toBe(true);
    expect(view.participants.every((p) => p.state === 'left')).toBe(true);
    expect(view.history.filter((h) => h.event === 'ended')).toHaveLength(2);
  });

  it('leave over the socket: Closed with no reason, history "left", others see user-removed', async () => {
    const { number } = await sim.createMeeting();
    const stayer = await sim.joinConnected(number);
    const leaver = await sim.joinConnected(number, { userName: 'Leaver' });
    const id = await idOf(leaver);
    await leaver.leave();
    expect(leaver.connectionChanges.at(-1)).toEqual({ state: 'Closed' });
    const removed = await stayer.waitForMessage((m) => m.type === 'user-removed');
    expect(removed.type === 'user-removed' && removed.participants[0]?.userId).toBe(id);
    expect(await historyOf(number, id)).toEqual(['joined', 'left']);
  });

  it('/leave of a bot: Closed "user request"', async () => {
    const { number } = await sim.createMeeting();
    const bot = await sim.joinConnected(number);
    await sim.participantControl(number, await idOf(bot), 'leave');
    expect(await bot.waitForConnection('Closed')).toEqual({ state: 'Closed', reason: 'user request' });
  });

  it('a socket that closes without leave is dropped at once', async () => {
    const { number } = await sim.createMeeting();
    const bot = await sim.joinConnected(number);
    const id = await idOf(bot);
    await bot.close();
    await expect.poll(async () => participantIn(await sim.meeting(number), id).state).toBe('left');
    expect(await historyOf(number, id)).toEqual(['joined', 'dropped']);
  });

  it('duplicated session: the same Zoom user joining again closes the first session', async () => {
    const { number } = await sim.createMeeting();
    const first = await sim.joinConnected(number, { zak: await sim.mintZak() });
    const firstId = await idOf(first);
    const second = await sim.joinConnected(number, { zak: await sim.mintZak() });
    expect(await first.waitForConnection('Closed')).toEqual({
      state: 'Closed',
      reason: 'duplicated session',
    });
    expect(second.closed).toBe(false);
    expect(await historyOf(number, firstId)).toEqual(['joined', 'duplicate_session']);
  });

  it('anonymous joins never count as the same user', async () => {
    const { number } = await sim.createMeeting();
    const a = await sim.joinConnected(number);
    await sim.joinConnected(number);
    expect(a.closed).toBe(false);
  });

  describe('network drops (/drop)', () => {
    it('no body: Fail -3000 "connection error" at once, the participant is gone', async () => {
      const { number } = await sim.createMeeting();
      const bot = await sim.joinConnected(number);
      const id = await idOf(bot);
      await sim.participantControl(number, id, 'drop');
      expect(await bot.waitForConnection('Fail')).toEqual({
        state: 'Fail',
        errorCode: -3000,
        reason: 'connection error',
      });
      await bot.waitForClose();
      expect(participantIn(await sim.meeting(number), id).state).toBe('left');
      expect(await historyOf(number, id)).toEqual(['joined', 'dropped']);
    });

    it('{forMs}: Reconnecting "failover", then Connected again', async () => {
      const { number } = await sim.createMeeting();
      const bot = await sim.joinConnected(number);
      const id = await idOf(bot);
      await sim.participantControl(number, id, 'drop', { forMs: 100 });
      await bot.waitForConnection('Reconnecting', 'failover');
      expect(participantIn(await sim.meeting(number), id).state).toBe('reconnecting');
      await bot.waitForMessage(
        (m) => m.type === 'connection-change' && m.state === 'Connected' && bot.connectionChanges.length >= 3,
      );
      expect(bot.connectionChanges.map((s) => s.state)).toEqual(['Connected', 'Reconnecting', 'Connected']);
      expect(participantIn(await sim.meeting(number), id).state).toBe('in_meeting');
      expect(await historyOf(number, id)).toEqual(['joined', 'reconnecting', 'reconnected']);
    });

    it('{forMs, recover:false}: Reconnecting "failover", then Fail -3000', async () => {
      const { number } = await sim.createMeeting();
      const bot = await sim.joinConnected(number);
      const id = await idOf(bot);
      await sim.participantControl(number, id, 'drop', { forMs: 50, recover: false });
      await bot.waitForConnection('Fail');
      expect(bot.connectionChanges).toEqual([
        { state: 'Connected' },
        { state: 'Reconnecting', reason: 'failover' },
        { state: 'Fail', errorCode: -3000, reason: 'connection error' },
      ]);
      expect(await historyOf(number, id)).toEqual(['joined', 'reconnecting', 'dropped']);
    });
  });

  describe('OBF authoriser', () => {
    it('present: the OBF bot joins, with the authoriser as its user and the token recorded', async () => {
      const { number } = await sim.createMeeting({ requireAuth: true });
      const userId = sim.credentials.serviceUser.id;
      await sim.addHuman(number, 'Alice', userId);
      const bot = await sim.joinConnected(number, {
        obfToken: await sim.mintObf(userId, number),
        customerKey: 'bot-1',
      });
      const view = participantIn(await sim.meeting(number), await idOf(bot));
      expect(view).toMatchObject({ userId, isBot: true, customerKey: 'bot-1', state: 'in_meeting' });
      expect(view.tokenId).toEqual(expect.any(String));
    });

    it('leaving: its OBF bots get Closed "bot user kicked due to master leaving"; ZAK bots stay', async () => {
      const { number } = await sim.createMeeting({ requireAuth: true });
      const alice = await sim.createUser(`alice-${Date.now()}@example.com`);
      const human = await sim.addHuman(number, 'Alice', alice);
      const obfBot = await sim.joinConnected(number, { obfToken: await sim.mintObf(alice, number) });
      const zakBot = await sim.joinConnected(number, { zak: await sim.mintZak() });
      await sim.participantControl(number, human, 'leave');
      expect(await obfBot.waitForConnection('Closed')).toEqual({
        state: 'Closed',
        reason: 'bot user kicked due to master leaving',
      });
      expect(zakBot.closed).toBe(false);
      expect(await historyOf(number, await idOf(obfBot))).toEqual(['joined', 'removed']);
    });

    it('two OBF bots of one authoriser: the second closes the first as a duplicated session', async () => {
      const { number } = await sim.createMeeting();
      const userId = sim.credentials.serviceUser.id;
      await sim.addHuman(number, 'Alice', userId);
      const first = await sim.joinConnected(number, { obfToken: await sim.mintObf(userId, number) });
      await sim.joinConnected(number, { obfToken: await sim.mintObf(userId, number) });
      expect(await first.waitForConnection('Closed')).toEqual({
        state: 'Closed',
        reason: 'duplicated session',
      });
    });
  });
});
