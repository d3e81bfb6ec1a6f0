import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SimParticipant } from '../../zoom-sim/client/sim-participant.js';
import { useSim } from '../helpers/sim-harness.js';

const sim = useSim();

const expectZoomError = (response: { status: number; body: Record<string, unknown> }, status: number) => {
  expect(response.status).toBe(status);
  expect(response.body).toEqual(
    expect.objectContaining({ code: expect.any(Number), message: expect.any(String) }),
  );
};

describe('control API: meetings', () => {
  it('creates a meeting with a generated number, started by default', async () => {
    const { status, body } = await sim.request('POST', '/_sim/meetings', {});
    expect(status).toBe(201);
    expect(body).toMatchObject({ started: true, ended: false, locked: false, participants: [], history: [] });
    expect(body.number).toMatch(/^\d{11}$/);
  });

  it('creates a meeting with a given number (spaces and dashes stripped) and settings', async () => {
    const { status, body } = await sim.request('POST', '/_sim/meetings', {
      number: '812 3456-7890',
      passcode: 'pw',
      requireAuth: true,
      waitingRoom: true,
      started: false,
      capacity: 3,
      locked: true,
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ number: '81234567890', started: false, locked: true, capacity: 3 });
    expectZoomError(await sim.request('POST', '/_sim/meetings', { number: '81234567890' }), 409);
  });

  it('GET shows participants with ids as numbers, and the history', async () => {
    const { number } = await sim.createMeeting();
    const humanId = await sim.addHuman(number, 'Alice');
    expect(typeof humanId).toBe('number');
    const view = await sim.meeting(number);
    expect(view.participants).toEqual([
      {
        id: humanId,
        userName: 'Alice',
        avatarUrl: null,
        userId: null,
        tokenId: null,
        customerKey: null,
        isBot: false,
        isHost: false,
        role: 'attendee',
        state: 'in_meeting',
      },
    ]);
    expect(view.history).toEqual([{ at: expect.any(String), participantId: humanId, event: 'joined' }]);
  });

  it('a human with the service user id carries its avatar', async () => {
    const { number } = await sim.createMeeting();
    const id = await sim.addHuman(number, 'Owner', sim.credentials.serviceUser.email);
    const human = (await sim.meeting(number)).participants.find((p) => p.id === id);
    expect(human?.userId).toBe(sim.credentials.serviceUser.id);
    expect(human?.avatarUrl).toContain('/_sim/avatars/');
  });

  it('lock and unlock', async () => {
    const { number } = await sim.createMeeting();
    expect((await sim.control(number, 'lock')).body.locked).toBe(true);
    expect((await sim.control(number, 'lock', { locked: false })).body.locked).toBe(false);
  });

  it('a human host starts the meeting by arriving', async () => {
    const { number } = await sim.createMeeting({
      started: false,
      hostUserId: sim.credentials.serviceUser.id,
    });
    const bot = await sim.join(number);
    await bot.waitForConnection('Fail');
    await sim.addHuman(number, 'Host', sim.credentials.serviceUser.id);
    await bot.waitForConnection('Connected');
    expect((await sim.meeting(number)).started).toBe(true);
  });
});

describe('control API: malformed requests get Zoom-shaped 4xx and the server stays up', () => {
  it('bad JSON', async () => {
    expectZoomError(await sim.request('POST', '/_sim/meetings', '{"number":'), 400);
    expectZoomError(await sim.request('POST', '/_sim/meetings', '[1,2]'), 400);
  });

  it('wrong types and unknown fields name the field', async () => {
    const wrong = await sim.request('POST', '/_sim/meetings', { started: 'yes', capacity: -1 });
    expectZoomError(wrong, 400);
    const fields = (wrong.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['capacity', 'started']);
    const unknown = await sim.request('POST', '/_sim/meetings', { waitinRoom: true });
    expect(unknown.body.errors).toEqual([{ field: 'waitinRoom', message: 'Unknown field.' }]);
    expectZoomError(await sim.request('POST', '/_sim/meetings', { number: '123' }), 400);
  });

  it('bad bodies on participant routes', async () => {
    const { number } = await sim.createMeeting();
    const bot = await sim.joinConnected(number);
    const result = await bot.joinResult();
    const id = result.ok ? result.participantId : 0;
    expectZoomError(await sim.tryParticipantControl(number, id, 'drop', { forMs: 'soon' }), 400);
    expectZoomError(await sim.tryParticipantControl(number, id, 'drop', { recover: false }), 400);
    expectZoomError(await sim.tryControl(number, 'humans', {}), 400);
    expectZoomError(await sim.tryControl(number, 'humans', { userName: 42 }), 400);
    expectZoomError(await sim.tryControl(number, 'lock', { locked: 'no' }), 400);
    expect(bot.closed).toBe(false);
  });

  it('oversized bodies: 413', async () => {
    expectZoomError(await sim.request('POST', '/_sim/meetings', { passcode: 'x'.repeat(200_000) }), 413);
  });

  it('unknown meeting (404, code 3001) and unknown participant (404)', async () => {
    const missing = await sim.request('GET', '/_sim/meetings/99999999999');
    expectZoomError(missing, 404);
    expect(missing.body.code).toBe(3001);
    expectZoomError(await sim.tryControl('99999999999', 'start'), 404);
    const { number } = await sim.createMeeting();
    expectZoomError(await sim.tryParticipantControl(number, 12345, 'admit'), 404);
    expectZoomError(await sim.request('POST', `/_sim/meetings/${number}/participants/abc/remove`), 404);
  });

  it('moves a participant cannot make: 409', async () => {
    const { number } = await sim.createMeeting();
    const id = await sim.addHuman(number, 'Alice');
    expectZoomError(await sim.tryParticipantControl(number, id, 'admit'), 409);
    await sim.participantControl(number, id, 'leave');
    expectZoomError(await sim.tryParticipantControl(number, id, 'remove'), 409);
    expectZoomError(await sim.tryParticipantControl(number, id, 'drop'), 409);
    await sim.control(number, 'end');
    expectZoomError(await sim.tryControl(number, 'start'), 409);
    expectZoomError(await sim.tryControl(number, 'humans', { userName: 'Late' }), 409);
  });

  it('the server is still up after all that', async () => {
    expect((await sim.request('POST', '/_sim/meetings', {})).status).toBe(201);
  });
});

describe('participant socket: garbage frames', () => {
  it('non-JSON, unknown types, bad fields and binary frames: an error, the socket closed, the sim up', async () => {
    for (const frame of ['not json', '{"type":"dance"}', '{"type":"join","signature":""}', '[]', 'null']) {
      const socket = await SimParticipant.connect(sim.sim.url);
      socket.sendRaw(frame);
      const error = await socket.waitForMessage((m) => m.type === 'error');
      expect(error.type).toBe('error');
      expect(await socket.waitForClose()).toBe(1008);
    }
    const { number } = await sim.createMeeting();
    await sim.joinConnected(number);
  });

  it('a second join or a leave before join on one socket is a protocol error', async () => {
    const early = await SimParticipant.connect(sim.sim.url);
    early.sendRaw('{"type":"leave"}');
    expect(await early.waitForClose()).toBe(1008);

    const { number } = await sim.createMeeting();
    const bot = await sim.joinConnected(number);
    bot.sendRaw(JSON.stringify({ type: 'join', meetingNumber: number, userName: 'x', signature: 'y' }));
    expect(await bot.waitForClose()).toBe(1008);
    // Closing the socket that way drops the participant.
    await expect.poll(async () => (await sim.meeting(number)).participants[0]?.state).toBe('left');
  });

  it('other paths do not upgrade', async () => {
    const ws = new WebSocket(`${sim.sim.url.replace('http', 'ws')}/wc/other`);
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (_request, response) => resolve(String(response.statusCode)));
      ws.once('error', (error) => resolve(error.message));
    });
    ws.terminate();
    expect(outcome).toBe('404');
  });
});
