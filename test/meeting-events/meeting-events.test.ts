import { describe, expect, it } from 'vitest';
import { verifySignatureHeader } from '../../runner/http/signed-request.js';
import type { MeetingEvent } from '../../shared/meeting-events.js';
import { meetingEventSchema } from '../../shared/meeting-events.js';
import { ACME_KEY, BETA_KEY, openSse, useMeetingRig, WEBHOOK_SECRET } from './meeting-rig.js';

/**
 * docs/contract.md §11 end to end, on the real path but without Chromium: a sim-client worker holds the
 * bots (the page's meeting-event rules, in Node), an api process serves the routes, the sim plays the
 * meeting through its control API. What a user sees: the events, the attendance, chat both ways.
 */
const rig = useMeetingRig();
const { sim } = rig;

interface ChatEntry {
  from: number;
  to: number | 'everyone';
  text: string;
}

async function simChat(number: string): Promise<ChatEntry[]> {
  return ((await sim.call('GET', `/_sim/meetings/${number}/chat`)) as unknown as { items: ChatEntry[] })
    .items;
}

async function sseClients(): Promise<number> {
  return (await rig.apiMetrics.meetingEventStreams.get()).values[0]?.value ?? 0;
}

/** An event's data as a user reads the JSON, whatever its type. */
const fields = (e: MeetingEvent) => e.data as Record<string, unknown>;

const ofType = (events: MeetingEvent[], type: string) => events.filter((e) => e.type === type);

describe('meeting events of one bot, through a rejoin', { timeout: 60_000 }, () => {
  const ON_JOIN = 'Notes Bot is taking notes for the organiser.';
  let meeting = '';
  let botId = '';
  let ada = 0;
  let bob = 0;

  it('records participants joining, renamed, promoted and leaving, with their ids and roles', async () => {
    meeting = (await sim.createMeeting()).number;
    ada = await sim.addHuman(meeting, 'Ada');
    const bot = await rig.botInMeeting(meeting, {
      chat: { onJoin: ON_JOIN },
      meetingEvents: ['participant', 'chat'],
      webhookUrl: `${rig.hookOrigin}/hooks/acme`,
    });
    botId = bot.id;
    const self = await sim.botParticipant(meeting, botId);
    await rig.waitForEvent(botId, (e) => e.type === 'participant.joined' && e.data.participantId === ada);
    const joined = ofType(await rig.events(botId), 'participant.joined');
    expect(joined.map((e) => e.data)).toEqual(
      expect.arrayContaining([
        { participantId: ada, name: 'Ada', role: 'attendee', ours: false },
        { participantId: self.id, name: 'Notes Bot', role: 'attendee', ours: true },
      ]),
    );

    bob = await sim.addHuman(meeting, 'Bob');
    await sim.call('POST', `/_sim/meetings/${meeting}/participants/${bob}/rename`, {
      name: 'Robert\u0007\u202e',
    });
    await sim.call('POST', `/_sim/meetings/${meeting}/participants/${bob}/role`, { role: 'cohost' });
    await sim.call('POST', `/_sim/meetings/${meeting}/participants/${ada}/role`, { role: 'host' });
    await sim.participantControl(meeting, bob, 'leave');
    await rig.waitForEvent(botId, (e) => e.type === 'participant.left' && e.data.participantId === bob);
    const aboutBob = (await rig.events(botId, 'participant'))
      .filter((e) => fields(e).participantId === bob)
      .map((e) => [e.type, fields(e).name, fields(e).role]);
    expect(aboutBob).toEqual([
      ['participant.joined', 'Bob', 'attendee'],
      ['participant.updated', 'Robert', 'attendee'],
      ['participant.updated', 'Robert', 'cohost'],
      ['participant.left', 'Robert', 'cohost'],
    ]);
    const adaUpdates = (await rig.events(botId, 'participant.updated')).filter(
      (e) => fields(e).participantId === ada,
    );
    expect(adaUpdates.map((e) => fields(e).role)).toEqual(['host']);

    // Every item is a contract event; seq counts from 1 without a gap.
    const all = await rig.events(botId);
    for (const event of all)
      expect(meetingEventSchema.safeParse(event).success, JSON.stringify(event)).toBe(true);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
  });

  it('posts chat.onJoin once, and chat goes both ways, to everyone and privately', async () => {
    const self = await sim.botParticipant(meeting, botId);
    await expect.poll(async () => (await simChat(meeting)).filter((m) => m.text === ON_JOIN)).toHaveLength(1);

    await sim.call('POST', `/_sim/meetings/${meeting}/chat`, { from: ada, text: 'Hello all' });
    await sim.call('POST', `/_sim/meetings/${meeting}/chat`, { from: ada, text: 'Psst, bot', to: self.id });
    const toEveryone = await rig.call(`/v1/bots/${botId}/chat`, { method: 'POST', json: { text: 'Hi Ada' } });
    expect(toEveryone.status).toBe(202);
    expect(await toEveryone.json()).toEqual({ requestId: expect.any(String) });
    const toAda = await rig.call(`/v1/bots/${botId}/chat`, {
      method: 'POST',
      json: { text: 'Only for you', to: ada },
    });
    expect(toAda.status).toBe(202);

    await rig.waitForEvent(botId, (e) => e.type === 'chat.sent' && e.data.text === 'Only for you');
    const chat = (await rig.events(botId, 'chat')).map((e) => [e.type, e.data]);
    expect(chat).toEqual([
      ['chat.sent', { to: 'everyone', text: ON_JOIN }],
      ['chat.received', { from: { participantId: ada, name: 'Ada' }, to: 'everyone', text: 'Hello all' }],
      ['chat.received', { from: { participantId: ada, name: 'Ada' }, to: 'me', text: 'Psst, bot' }],
      ['chat.sent', { to: 'everyone', text: 'Hi Ada' }],
      ['chat.sent', { to: ada, text: 'Only for you' }],
    ]);
    const inSim = (await simChat(meeting)).filter((m) => m.from === self.id);
    expect(inSim.map((m) => [m.to, m.text])).toEqual([
      ['everyone', ON_JOIN],
      ['everyone', 'Hi Ada'],
      [ada, 'Only for you'],
    ]);
  });

  it('records captions, speaker changes (only when the set changes) and the recording state', async () => {
    const base = `/_sim/meetings/${meeting}`;
    await sim.call('POST', `${base}/captions`, {
      participantId: ada,
      text: 'Good morn',
      done: false,
      msgId: 'c1',
    });
    await sim.call('POST', `${base}/captions`, {
      participantId: ada,
      text: 'Good morning everyone',
      msgId: 'c1',
    });
    await sim.call('POST', `${base}/captions`, { participantId: ada, text: 'Bonjour', language: 4 });
    await sim.call('POST', `${base}/active-speaker`, { participantIds: [ada] });
    await sim.call('POST', `${base}/active-speaker`, { participantIds: [ada] });
    await sim.call('POST', `${base}/active-speaker`, { participantIds: [] });
    await sim.call('POST', `${base}/recording`, { state: 'started' });
    await sim.call('POST', `${base}/recording`, { state: 'paused' });
    await rig.waitForEvent(botId, (e) => e.type === 'recording.changed' && e.data.state === 'paused');
    expect((await rig.events(botId, 'caption')).map((e) => e.data)).toEqual([
      { participantId: ada, name: 'Ada', text: 'Good morning everyone', language: 'en' },
      { participantId: ada, name: 'Ada', text: 'Bonjour', language: 'fr' },
    ]);
    expect((await rig.events(botId, 'speaker')).map((e) => e.data)).toEqual([
      { participantIds: [ada] },
      { participantIds: [] },
    ]);
    expect((await rig.events(botId, 'recording')).map((e) => fields(e).state)).toEqual(['started', 'paused']);
  });

  it('after a drop and rejoin: nobody joins twice, the old bot session left, chat.onJoin not posted again', async () => {
    const before = await sim.botParticipant(meeting, botId);
    const seqBefore = (await rig.events(botId)).length;
    await sim.participantControl(meeting, before.id, 'drop');
    await expect
      .poll(() => rig.bot(botId), { timeout: 30_000 })
      .toMatchObject({ state: 'in_meeting', rejoins: 1 });
    const after = await sim.botParticipant(meeting, botId);
    expect(after.id).not.toBe(before.id);
    // The resync window (3 s) closes: whoever the new roster lacks has left.
    await rig.waitForEvent(
      botId,
      (e) => e.type === 'participant.left' && e.data.participantId === before.id,
      15_000,
    );
    const since = (await rig.events(botId)).slice(seqBefore);
    expect(since.map((e) => [e.type, e.data])).toEqual([
      ['participant.joined', { participantId: after.id, name: 'Notes Bot', role: 'attendee', ours: true }],
      ['participant.left', { participantId: before.id, name: 'Notes Bot', role: 'attendee', ours: true }],
    ]);
    const people = await rig.participants(botId);
    expect(people.map((p) => [p.participantId, p.name, p.role, p.present])).toEqual([
      [ada, 'Ada', 'host', true],
      [before.id, 'Notes Bot', 'attendee', false],
      [bob, 'Robert', 'cohost', false],
      [after.id, 'Notes Bot', 'attendee', true],
    ]);
    const adaRow = people.find((p) => p.participantId === ada);
    expect(adaRow?.presentSec).toBeGreaterThan(0);
    expect(new Set(people.map((p) => p.participantId)).size).toBe(people.length);
    // Still once, a few seconds after the rejoin's in_meeting.
    expect((await simChat(meeting)).filter((m) => m.text === ON_JOIN)).toHaveLength(1);
  });

  it('delivers the opted-in groups as signed webhooks, in order, and no other', async () => {
    const stored = await rig.events(botId);
    const wanted = stored.filter((e) => e.type.startsWith('participant.') || e.type.startsWith('chat.'));
    await expect
      .poll(() => rig.hooks.filter((h) => h.body.type.startsWith('meeting.')).length, { timeout: 20_000 })
      .toBe(wanted.length);
    const meetingHooks = rig.hooks.filter((h) => h.body.type.startsWith('meeting.'));
    expect(meetingHooks.map((h) => h.body.event?.seq)).toEqual(wanted.map((e) => e.seq));
    expect(meetingHooks.map((h) => h.body.type)).toEqual(wanted.map((e) => `meeting.${e.type}`));
    for (const hook of meetingHooks) {
      expect(hook.path).toBe('/hooks/acme');
      expect(hook.body).toMatchObject({ botId, audience: rig.hookOrigin });
      const signature = String(hook.headers['x-zbr-signature']);
      expect(verifySignatureHeader(WEBHOOK_SECRET, signature, hook.raw)).toBe(true);
    }
    // State webhooks still come, in the same lane.
    expect(rig.hooks.some((h) => h.body.type === 'bot.in_meeting')).toBe(true);
  });

  it('refuses chat unless the bot is in_meeting (409), and bad bodies (422)', async () => {
    const scheduled = await rig.call('/v1/bots', {
      method: 'POST',
      json: {
        meetingNumber: meeting,
        displayName: 'Later Bot',
        auth: { type: 'none' },
        joinAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    const later = (await scheduled.json()) as { id: string };
    const refused = await rig.call(`/v1/bots/${later.id}/chat`, { method: 'POST', json: { text: 'hi' } });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'not_in_meeting' } });
    for (const [body, field] of [
      [{ text: '' }, 'text'],
      [{ text: 'x'.repeat(1025) }, 'text'],
      [{ text: 'hi', to: -1 }, 'to'],
      [{ text: 'hi', extra: 1 }, 'extra'],
    ] as const) {
      const bad = await rig.call(`/v1/bots/${botId}/chat`, { method: 'POST', json: body });
      expect(bad.status, JSON.stringify(body)).toBe(422);
      expect(((await bad.json()) as { error: { field: string } }).error.field).toBe(field);
    }
    const badQuery = await rig.call(`/v1/bots/${botId}/meeting-events?type=Chat!`);
    expect(badQuery.status).toBe(422);
    // An audit line for each chat call, refused ones included, never the text.
    const audits = rig.logLines.filter((l) => l.includes('"action":"bot.chat"'));
    expect(audits.some((l) => l.includes('"status":202') && l.includes(botId))).toBe(true);
    expect(audits.some((l) => l.includes('"status":409'))).toBe(true);
    expect(rig.logLines.some((l) => l.includes('Only for you'))).toBe(false);
  });

  it('counts meeting events by type and chat sends in the worker’s /metrics', async () => {
    const text = await (await fetch(`${rig.worker.http.url}/metrics`)).text();
    const value = (series: string) => Number(text.match(new RegExp(`^${series} (\\d+)`, 'm'))?.[1] ?? 0);
    const stored = await rig.events(botId);
    expect(value('zbr_meeting_events_total{type="chat.received"}')).toBeGreaterThanOrEqual(
      stored.filter((e) => e.type === 'chat.received').length,
    );
    expect(value('zbr_chat_sends_total{outcome="sent"}')).toBeGreaterThanOrEqual(2);
  });

  it('shows another tenant a 404 on every meeting route, as for a missing bot', async () => {
    const paths: Array<[string, RequestInit & { json?: unknown }]> = [
      ['meeting-events', {}],
      ['meeting-events/stream', {}],
      ['participants', {}],
      ['chat', { method: 'POST', json: { text: 'hi' } }],
    ];
    for (const [path, init] of paths) {
      const theirs = await rig.call(`/v1/bots/${botId}/${path}`, { ...init, key: BETA_KEY });
      const missing = await rig.call(`/v1/bots/00000000-0000-4000-8000-000000000000/${path}`, {
        ...init,
        key: BETA_KEY,
      });
      expect([theirs.status, missing.status], path).toEqual([404, 404]);
      expect((await theirs.json()) as object).toMatchObject({ error: { code: 'not_found' } });
    }
    expect((await simChat(meeting)).filter((m) => m.text === 'hi')).toHaveLength(0);
  });
});

describe('the SSE stream', { timeout: 60_000 }, () => {
  it('resumes with Last-Event-ID without a gap or a repeat, sends heartbeats, and ends after ended', async () => {
    const meeting = (await sim.createMeeting()).number;
    const human = await sim.addHuman(meeting, 'Cleo');
    const bot = await rig.botInMeeting(meeting);
    const url = `${rig.url}/v1/bots/${bot.id}/meeting-events/stream`;
    const headers = { Authorization: `Bearer ${ACME_KEY}` };
    const say = (text: string) => sim.call('POST', `/_sim/meetings/${meeting}/chat`, { from: human, text });

    const first = await openSse(url, headers);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('content-type')).toContain('text/event-stream');
    for (let i = 1; i <= 5; i++) await say(`one ${i}`);
    await expect.poll(() => first.events().filter((f) => f.data?.includes('one 5')).length).toBe(1);
    await expect
      .poll(() => first.frames.some((f) => f.comment === 'heartbeat'), { timeout: 5_000 })
      .toBe(true);
    const lastId = first.events().at(-1)?.id;
    await first.close();

    // Said while nobody listened.
    for (let i = 1; i <= 5; i++) await say(`two ${i}`);
    await rig.waitForEvent(bot.id, (e) => e.type === 'chat.received' && e.data.text === 'two 5');
    const second = await openSse(url, { ...headers, 'Last-Event-ID': String(lastId) });
    for (let i = 1; i <= 3; i++) await say(`three ${i}`);
    await expect.poll(() => second.events().some((f) => f.data?.includes('three 3'))).toBe(true);
    expect(await sseClients()).toBe(1);
    const leave = await rig.call(`/v1/bots/${bot.id}`, { method: 'DELETE' });
    expect(leave.status).toBe(202);
    await second.finished();
    expect(second.frames.at(-1)).toMatchObject({ event: 'end' });

    const seen = [...first.events(), ...second.events()].map(
      (f) => JSON.parse(f.data as string) as MeetingEvent,
    );
    const stored = await rig.events(bot.id);
    expect(seen.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(seen).toEqual(stored);
    expect([...first.events(), ...second.events()].map((f) => Number(f.id))).toEqual(
      stored.map((e) => e.seq),
    );
    expect(stored.filter((e) => e.type === 'chat.received')).toHaveLength(13);
    await expect.poll(sseClients).toBe(0);

    // A stream opened after the end replays the log and ends at once.
    const late = await openSse(url, headers);
    await late.finished();
    expect(late.events()).toHaveLength(stored.length);
    expect(late.frames.at(-1)).toMatchObject({ event: 'end' });
  });

  it('keeps the log exactly as long as the bot view once the bot has ended', async () => {
    const meeting = (await sim.createMeeting()).number;
    await sim.addHuman(meeting, 'Dan');
    const bot = await rig.botInMeeting(meeting);
    await rig.waitForEvent(bot.id, (e) => e.type === 'participant.joined' && e.data.name === 'Dan');
    await rig.call(`/v1/bots/${bot.id}`, { method: 'DELETE' });
    await expect.poll(async () => (await rig.bot(bot.id)).state, { timeout: 20_000 }).toBe('ended');
    const ttl = async (key: string) => rig.redis.pttl(key);
    const viewTtl = await ttl(`${rig.prefix}:botview:${bot.id}`);
    expect(viewTtl).toBeGreaterThan(6 * 24 * 3600 * 1000);
    for (const suffix of ['', ':meta', ':people']) {
      const keyTtl = await ttl(`${rig.prefix}:mevents:${bot.id}${suffix}`);
      expect(Math.abs(keyTtl - viewTtl), suffix).toBeLessThan(60_000);
    }
  });
});
