import { describe, expect, it } from 'vitest';
import type { SimParticipant } from '../../zoom-sim/client/sim-participant.js';
import type { ServerMessage } from '../../zoom-sim/protocol.js';
import { participantIn, useSim } from '../helpers/sim-harness.js';

/**
 * docs/contract.md §11, the sim's side: chat, captions, active speaker, recording, rename and role
 * through the control API, and what each participant's client receives over its socket.
 */
const sim = useSim();

async function idOf(bot: SimParticipant): Promise<number> {
  const result = await bot.joinResult();
  if (!result.ok) throw new Error(`join refused: ${result.errorCode}`);
  return result.participantId;
}

/** A meeting with a human and two bots in it, everyone's id known. */
async function meetingWithTwoBots() {
  const { number } = await sim.createMeeting();
  const human = await sim.addHuman(number, 'Alice');
  const a = await sim.joinConnected(number, { userName: 'Bot A', customerKey: 'bot-a' });
  const b = await sim.joinConnected(number, { userName: 'Bot B', customerKey: 'bot-b' });
  return { number, human, a, b, aId: await idOf(a), bId: await idOf(b) };
}

const post = (number: string, path: string, body: unknown) =>
  sim.request('POST', `/_sim/meetings/${number}/${path}`, body);

function fieldsOf(body: Record<string, unknown>): string[] {
  return ((body.errors ?? []) as { field: string }[]).map((e) => e.field).sort();
}

/** Lets messages in flight arrive before asserting that something did not. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
const waitFor = <T extends ServerMessage['type']>(
  bot: SimParticipant,
  type: T,
  match: (m: Of<T>) => boolean = () => true,
) => bot.waitForMessage((m) => m.type === type && match(m as Of<T>)) as Promise<Of<T>>;

describe('chat', () => {
  it('a human to everyone: every bot gets the SDK ChatMessage; the log has it', async () => {
    const { number, human, a, b } = await meetingWithTwoBots();
    const sent = await post(number, 'chat', { from: human, text: 'Hello all' });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ from: human, fromName: 'Alice', to: 'everyone', text: 'Hello all' });
    for (const bot of [a, b]) {
      const { message } = await waitFor(bot, 'chat-on-message');
      expect(message).toEqual({
        id: sent.body.id,
        message: 'Hello all',
        sender: { name: 'Alice', userId: human },
        receiver: { name: 'Everyone', userId: 0 },
        timestamp: expect.any(Number),
      });
    }
    const log = await sim.call('GET', `/_sim/meetings/${number}/chat`);
    expect(log.items).toEqual([
      {
        id: sent.body.id,
        at: expect.any(String),
        from: human,
        fromName: 'Alice',
        to: 'everyone',
        text: 'Hello all',
      },
    ]);
  });

  it('a human privately to one bot: only that bot gets it', async () => {
    const { number, human, a, b, aId } = await meetingWithTwoBots();
    await post(number, 'chat', { from: human, text: 'just you', to: aId });
    const { message } = await waitFor(a, 'chat-on-message');
    expect(message.receiver).toEqual({ name: 'Bot A', userId: aId });
    await settle();
    expect(b.received('chat-on-message')).toEqual([]);
  });

  it('a bot sends to everyone and privately; recorded with the others; never echoed to itself', async () => {
    const { number, human, a, b, aId, bId } = await meetingWithTwoBots();
    const toAll = await a.sendChat('Bot A is taking notes for Acme.');
    expect(toAll).toMatchObject({
      ok: true,
      message: { message: 'Bot A is taking notes for Acme.', sender: { userId: aId, name: 'Bot A' } },
    });
    await waitFor(b, 'chat-on-message');
    const toB = await a.sendChat('psst', bId);
    expect(toB).toMatchObject({ ok: true, message: { receiver: { userId: bId, name: 'Bot B' } } });
    await waitFor(b, 'chat-on-message', (m) => m.message.message === 'psst');
    await settle();
    expect(a.received('chat-on-message')).toEqual([]);
    const log = await sim.call('GET', `/_sim/meetings/${number}/chat`);
    expect(log.items).toEqual([
      expect.objectContaining({
        from: aId,
        fromName: 'Bot A',
        to: 'everyone',
        text: 'Bot A is taking notes for Acme.',
      }),
      expect.objectContaining({ from: aId, to: bId, text: 'psst' }),
    ]);
    // A human has no socket: a message to one is recorded all the same.
    expect(await a.sendChat('to Alice', human)).toMatchObject({ ok: true });
  });

  it("a bot's refused sends: to nobody, to itself, to someone who left, before being in the meeting", async () => {
    const { number, human, a, aId } = await meetingWithTwoBots();
    expect(await a.sendChat('x', 999_999)).toMatchObject({ ok: false, errorType: 'INVALID_PARAMETERS' });
    expect(await a.sendChat('x', aId)).toMatchObject({ ok: false, errorType: 'INVALID_PARAMETERS' });
    await sim.participantControl(number, human, 'leave');
    expect(await a.sendChat('x', human)).toMatchObject({ ok: false, errorType: 'INVALID_PARAMETERS' });

    const waiting = await sim.createMeeting({ waitingRoom: true });
    const held = await sim.join(waiting.number);
    await held.waitForConnection('Reconnecting', 'on hold');
    expect(await held.sendChat('let me in')).toMatchObject({ ok: false, errorType: 'INVALID_OPERATION' });
    expect(held.closed).toBe(false);
    expect((await sim.call('GET', `/_sim/meetings/${waiting.number}/chat`)).items).toEqual([]);
  });

  it('bad bodies name the field (400); unknown sender 404; a sender who left 409', async () => {
    const { number, human } = await meetingWithTwoBots();
    const missing = await post(number, 'chat', { from: human });
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing.body)).toEqual(['text']);
    const typo = await post(number, 'chat', { from: human, txt: 'hi' });
    expect(fieldsOf(typo.body)).toEqual(['text', 'txt']);
    expect(fieldsOf((await post(number, 'chat', { from: 'Alice', text: 'hi' })).body)).toEqual(['from']);
    expect(fieldsOf((await post(number, 'chat', { from: human, text: '' })).body)).toEqual(['text']);
    expect((await post(number, 'chat', { from: 424242, text: 'hi' })).status).toBe(404);
    expect((await post(number, 'chat', { from: human, text: 'hi', to: 424242 })).status).toBe(404);
    expect((await post('99999999999', 'chat', { from: human, text: 'hi' })).body.code).toBe(3001);
    await sim.participantControl(number, human, 'leave');
    expect((await post(number, 'chat', { from: human, text: 'still here?' })).status).toBe(409);
  });
});

describe('captions, active speaker, recording', () => {
  it('a caption reaches everyone in the meeting, the speaker included, as caption-message', async () => {
    const { number, human, a, b, bId } = await meetingWithTwoBots();
    const answer = await post(number, 'captions', { participantId: human, text: 'Welcome, everyone.' });
    expect(answer.status).toBe(200);
    for (const bot of [a, b]) {
      const { caption } = await waitFor(bot, 'caption-message');
      expect(caption).toEqual({
        msgId: answer.body.msgId,
        userId: human,
        displayName: 'Alice',
        text: 'Welcome, everyone.',
        source: 4,
        language: 0,
        timestamp: expect.any(Number),
        done: true,
      });
    }
    // A bot speaking (as far as the sim goes) hears its own caption; interim lines share a msgId.
    await post(number, 'captions', {
      participantId: bId,
      text: 'Hal',
      msgId: 'm1',
      done: false,
      language: 3,
    });
    await post(number, 'captions', { participantId: bId, text: 'Hallo', msgId: 'm1' });
    const lines = await b.waitForMessage(
      () => b.received('caption-message').filter((m) => m.caption.msgId === 'm1').length === 2,
    );
    expect(lines).toBeDefined();
    expect(
      b.received('caption-message').map((m) => [m.caption.text, m.caption.done, m.caption.language]),
    ).toEqual([
      ['Welcome, everyone.', true, 0],
      ['Hal', false, 3],
      ['Hallo', true, 0],
    ]);
  });

  it('a one-megabyte caption is taken and delivered whole; a body over 8 MiB is a 413', async () => {
    const { number, human, a } = await meetingWithTwoBots();
    const huge = `\u0007${'x'.repeat(1024 * 1024)}`;
    expect((await post(number, 'captions', { participantId: human, text: huge })).status).toBe(200);
    const { caption } = await waitFor(a, 'caption-message');
    expect(caption.text.length).toBe(huge.length);
    expect(
      (await post(number, 'captions', { participantId: human, text: 'y'.repeat(9 * 1024 * 1024) })).status,
    ).toBe(413);
    // Other meeting routes keep their 64 KiB limit.
    expect((await post(number, 'chat', { from: human, text: 'z'.repeat(70_000) })).status).toBe(413);
  });

  it('active speakers: the SDK ActiveSpeaker list to everyone, kept in the meeting view', async () => {
    const { number, human, a, bId } = await meetingWithTwoBots();
    const answer = await post(number, 'active-speaker', { participantIds: [human, bId] });
    expect(answer.body).toEqual({ participantIds: [human, bId] });
    const { speakers } = await waitFor(a, 'active-speaker');
    expect(speakers).toEqual([
      { userId: human, displayName: 'Alice' },
      { userId: bId, displayName: 'Bot B' },
    ]);
    await post(number, 'active-speaker', { participantIds: [] });
    await waitFor(a, 'active-speaker', (m) => m.speakers.length === 0);
    expect((await sim.meeting(number)).activeSpeakers).toEqual([]);
    expect((await post(number, 'active-speaker', { participantIds: [424242] })).status).toBe(404);
    expect(fieldsOf((await post(number, 'active-speaker', { participantIds: human })).body)).toEqual([
      'participantIds',
    ]);
  });

  it('recording: each change once, in the SDK vocabulary; a newcomer hears that the meeting records', async () => {
    const { number, a } = await meetingWithTwoBots();
    expect((await post(number, 'recording', { state: 'started' })).body).toEqual({ state: 'started' });
    await post(number, 'recording', { state: 'started' });
    await post(number, 'recording', { state: 'paused' });
    await waitFor(a, 'recording-change', (m) => m.status === 'Paused');
    expect(a.received('recording-change').map((m) => m.status)).toEqual(['Recording', 'Paused']);
    expect((await sim.meeting(number)).recording).toBe('paused');

    const late = await sim.joinConnected(number, { userName: 'Late Bot' });
    expect((await waitFor(late, 'recording-change')).status).toBe('Paused');
    await post(number, 'recording', { state: 'stopped' });
    await waitFor(late, 'recording-change', (m) => m.status === 'Stopped');
    expect(fieldsOf((await post(number, 'recording', { state: 'on' })).body)).toEqual(['state']);
  });
});

describe('rename and role', () => {
  it('rename: everyone, the renamed bot included, gets user-updated; the view shows the new name', async () => {
    const { number, human, a, b, aId } = await meetingWithTwoBots();
    const renamed = await sim.participantControl(number, aId, 'rename', { name: 'Notes (Acme)' });
    expect(renamed.body).toMatchObject({ id: aId, userName: 'Notes (Acme)' });
    const update = await waitFor(b, 'user-updated');
    expect(update.participants).toEqual([
      expect.objectContaining({ userId: aId, userName: 'Notes (Acme)', displayName: 'Notes (Acme)' }),
    ]);
    await waitFor(a, 'user-updated');
    expect(a.self?.userName).toBe('Notes (Acme)');
    expect(participantIn(await sim.meeting(number), aId).userName).toBe('Notes (Acme)');

    // Control characters pass through the sim untouched: the page is what must cope with them.
    const hostile = 'Eve\u0000\u001b[2J\u202eevil';
    await sim.participantControl(number, human, 'rename', { name: hostile });
    expect(
      (await waitFor(a, 'user-updated', (m) => m.participants[0]?.userId === human)).participants[0]
        ?.userName,
    ).toBe(hostile);
  });

  it('role: cohost sets isCoHost; a new host takes over from the old one', async () => {
    const { number, a, b, aId, bId } = await meetingWithTwoBots();
    await sim.participantControl(number, aId, 'role', { role: 'cohost' });
    const cohost = await waitFor(b, 'user-updated');
    expect(cohost.participants).toEqual([
      expect.objectContaining({ userId: aId, isCoHost: true, isHost: false }),
    ]);
    await sim.participantControl(number, aId, 'role', { role: 'host' });
    await waitFor(b, 'user-updated', (m) => m.participants[0]?.isHost === true);
    const takeover = await sim.participantControl(number, bId, 'role', { role: 'host' });
    expect(takeover.body).toMatchObject({ role: 'host', isHost: true });
    const handover = await waitFor(a, 'user-updated', (m) => m.participants.length === 2);
    expect(handover.participants).toEqual([
      expect.objectContaining({ userId: bId, isHost: true }),
      expect.objectContaining({ userId: aId, isHost: false, isCoHost: false }),
    ]);
    expect(participantIn(await sim.meeting(number), aId).role).toBe('attendee');
  });

  it('bad bodies 400 naming the field; someone who left 409; unknown participant 404', async () => {
    const { number, human, aId } = await meetingWithTwoBots();
    const role = await sim.tryParticipantControl(number, aId, 'role', { role: 'admin' });
    expect(role.status).toBe(400);
    expect(fieldsOf(role.body)).toEqual(['role']);
    expect(fieldsOf((await sim.tryParticipantControl(number, aId, 'rename', { name: '' })).body)).toEqual([
      'name',
    ]);
    expect(fieldsOf((await sim.tryParticipantControl(number, aId, 'rename', { nam: 'x' })).body)).toEqual([
      'nam',
      'name',
    ]);
    expect((await sim.tryParticipantControl(number, 424242, 'rename', { name: 'x' })).status).toBe(404);
    await sim.participantControl(number, human, 'leave');
    expect((await sim.tryParticipantControl(number, human, 'rename', { name: 'x' })).status).toBe(409);
    expect((await sim.tryParticipantControl(number, human, 'role', { role: 'host' })).status).toBe(409);
  });
});
