import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type PageMeetingEvent, type PageMessage, pageMessageSchema } from '../../shared/bridge.js';
import { CAPTION_TEXT_MAX } from '../../shared/meeting-event-bounds.js';
import { MeetingEventFeed } from '../../web-client/src/meeting-events.js';
import { SimEmbeddedClient } from '../../zoom-sim/sdk/embedded-client.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * The page's meeting-event feed on the sim's browser module (zoom-sim/sdk, the Component View stand-in
 * of the sim build), against a real zoom-sim, in Node: the module needs only a WebSocket, which `ws`
 * provides. What the sim's control API does must reach the runner as docs/contract.md §11 events,
 * through the bridge schema. (The same in Chromium: meeting-events.chromium.test.ts.)
 */
const sim = useSim();
const hadWebSocket = 'WebSocket' in globalThis;

beforeAll(() => {
  if (!hadWebSocket) Object.assign(globalThis, { WebSocket });
});
afterAll(() => {
  if (!hadWebSocket) Reflect.deleteProperty(globalThis, 'WebSocket');
});

const clients: SimEmbeddedClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) {
    await client.leaveMeeting();
    client.destroy();
  }
});

interface Raw {
  event: string;
  payload: unknown;
}

/** A bot on the sim build's SDK module with the page's feed, in `number`; `raw` has the SDK payloads. */
async function botIn(number: string, userName = 'Note Taker') {
  const client = new SimEmbeddedClient();
  clients.push(client);
  await client.init({
    zoomAppRoot: { dataset: {} } as unknown as HTMLElement,
    language: 'en-US',
    webEndpoint: sim.sim.url,
  });
  const raw: Raw[] = [];
  for (const event of ['chat-on-message', 'caption-message', 'active-speaker', 'recording-change'] as const) {
    client.on(event as 'recording-change', (payload: unknown) => raw.push({ event, payload }));
  }
  const sent: PageMessage[] = [];
  const feed = new MeetingEventFeed(client, (message) => {
    const parsed = pageMessageSchema.safeParse(message);
    if (!parsed.success) throw new Error(`the runner would refuse: ${JSON.stringify(parsed.error.issues)}`);
    sent.push(parsed.data);
  });
  feed.listen();
  await client.join({
    meetingNumber: number,
    signature: await sim.sign(number),
    userName,
    zak: await sim.mintZak(),
    customerKey: 'bot-events-1',
  });
  const selfId = client.getCurrentUser()?.userId ?? -1;
  const events = (): PageMeetingEvent[] => sent.flatMap((m) => (m.type === 'meeting-events' ? m.events : []));
  return {
    client,
    feed,
    raw,
    sent,
    selfId,
    events,
    /** Waits until an event matching `match` was reported (the feed reports within 25 ms). */
    async waitForEvent(match: (e: PageMeetingEvent) => boolean): Promise<PageMeetingEvent> {
      return vi.waitFor(
        () => {
          const found = events().find(match);
          if (!found) throw new Error(`not yet; seen ${JSON.stringify(events()).slice(0, 800)}`);
          return found;
        },
        { timeout: 5_000, interval: 20 },
      );
    },
  };
}

describe('sim build SDK module → page feed → bridge', () => {
  it('attendance: everyone present, renamed, promoted, gone; the bot itself marked', async () => {
    const { number } = await sim.createMeeting();
    const alice = await sim.addHuman(number, 'Alice');
    const bot = await botIn(number);
    await bot.waitForEvent((e) => e.type === 'participant.joined' && e.data.participantId === alice);
    expect(bot.events().filter((e) => e.type === 'participant.joined')).toEqual([
      {
        type: 'participant.joined',
        data: { participantId: alice, name: 'Alice', role: 'attendee', self: false },
      },
      {
        type: 'participant.joined',
        data: {
          participantId: bot.selfId,
          name: 'Note Taker',
          role: 'attendee',
          self: true,
          customerKey: 'bot-events-1',
        },
      },
    ]);

    await sim.participantControl(number, alice, 'rename', { name: 'Alice (Acme)\u0007' });
    await sim.participantControl(number, alice, 'role', { role: 'cohost' });
    await sim.participantControl(number, alice, 'role', { role: 'host' });
    const bob = await sim.addHuman(number, 'Bob');
    await sim.participantControl(number, alice, 'leave');
    await bot.waitForEvent((e) => e.type === 'participant.left');
    expect(
      bot.events().map((e) => 'role' in e.data && [e.type, e.data.participantId, e.data.name, e.data.role]),
    ).toEqual([
      ['participant.joined', alice, 'Alice', 'attendee'],
      ['participant.joined', bot.selfId, 'Note Taker', 'attendee'],
      ['participant.updated', alice, 'Alice (Acme)', 'attendee'],
      ['participant.updated', alice, 'Alice (Acme)', 'cohost'],
      ['participant.updated', alice, 'Alice (Acme)', 'host'],
      ['participant.joined', bob, 'Bob', 'attendee'],
      ['participant.left', alice, 'Alice (Acme)', 'host'],
    ]);
  });

  it('chat both ways, to everyone and privately; the bot’s messages are in the sim’s log', async () => {
    const { number } = await sim.createMeeting();
    const alice = await sim.addHuman(number, 'Alice');
    const bot = await botIn(number);
    await sim.call('POST', `/_sim/meetings/${number}/chat`, { from: alice, text: 'Who is this?' });
    await sim.call('POST', `/_sim/meetings/${number}/chat`, {
      from: alice,
      text: 'only you',
      to: bot.selfId,
    });
    await bot.waitForEvent((e) => e.type === 'chat.received' && e.data.to === 'me');
    expect(bot.events().filter((e) => e.type === 'chat.received')).toEqual([
      {
        type: 'chat.received',
        data: { from: { participantId: alice, name: 'Alice' }, to: 'everyone', text: 'Who is this?' },
      },
      {
        type: 'chat.received',
        data: { from: { participantId: alice, name: 'Alice' }, to: 'me', text: 'only you' },
      },
    ]);
    // The SDK's own ChatMessage shape reached the listeners.
    expect(bot.raw.find((r) => r.event === 'chat-on-message')?.payload).toEqual({
      id: expect.any(String),
      message: 'Who is this?',
      sender: { name: 'Alice', userId: alice },
      receiver: { name: 'Everyone', userId: 0 },
      timestamp: expect.any(Number),
    });

    await bot.feed.sendChat({ requestId: 'r1', text: 'A note taker from Acme is here.' });
    await bot.feed.sendChat({ requestId: 'r2', text: 'Hi Alice', to: alice });
    await bot.feed.sendChat({ requestId: 'r3', text: 'to nobody', to: 424242 });
    expect(bot.sent.filter((m) => m.type === 'chat-result')).toEqual([
      { type: 'chat-result', requestId: 'r1', ok: true },
      { type: 'chat-result', requestId: 'r2', ok: true },
      {
        type: 'chat-result',
        requestId: 'r3',
        ok: false,
        errorType: 'INVALID_PARAMETERS',
        reason: expect.any(String),
      },
    ]);
    expect(bot.events().filter((e) => e.type === 'chat.sent')).toEqual([
      { type: 'chat.sent', data: { to: 'everyone', text: 'A note taker from Acme is here.' } },
      { type: 'chat.sent', data: { to: alice, text: 'Hi Alice' } },
    ]);
    const log = await sim.call('GET', `/_sim/meetings/${number}/chat`);
    expect(
      (log.items as { from: number; to: unknown; text: string }[]).map((m) => [m.from, m.to, m.text]),
    ).toEqual([
      [alice, 'everyone', 'Who is this?'],
      [alice, bot.selfId, 'only you'],
      [bot.selfId, 'everyone', 'A note taker from Acme is here.'],
      [bot.selfId, alice, 'Hi Alice'],
    ]);
  });

  it('captions, speakers and recording, with the SDK payload shapes', async () => {
    const { number } = await sim.createMeeting();
    const alice = await sim.addHuman(number, 'Alice');
    const bot = await botIn(number);
    await sim.call('POST', `/_sim/meetings/${number}/captions`, {
      participantId: alice,
      text: 'Bonjour',
      language: 4,
    });
    await sim.call('POST', `/_sim/meetings/${number}/active-speaker`, { participantIds: [alice] });
    await sim.call('POST', `/_sim/meetings/${number}/recording`, { state: 'started' });
    await bot.waitForEvent((e) => e.type === 'recording.changed');
    expect(bot.events().filter((e) => !e.type.startsWith('participant.'))).toEqual([
      { type: 'caption', data: { participantId: alice, name: 'Alice', text: 'Bonjour', language: 'fr' } },
      { type: 'speaker.changed', data: { participantIds: [alice] } },
      { type: 'recording.changed', data: { state: 'started' } },
    ]);
    expect(bot.raw.map((r) => r.event)).toEqual(['caption-message', 'active-speaker', 'recording-change']);
    expect(bot.raw[0]?.payload).toEqual({
      msgId: expect.any(String),
      userId: alice,
      displayName: 'Alice',
      text: 'Bonjour',
      source: 4,
      language: 4,
      timestamp: expect.any(Number),
      done: true,
    });
    expect(bot.raw[1]?.payload).toEqual([{ userId: alice, displayName: 'Alice' }]);
    expect(bot.raw[2]?.payload).toBe('Recording');
  });

  it('a hostile meeting: a megabyte caption and control characters in names reach the runner bounded', async () => {
    const { number } = await sim.createMeeting();
    const eve = await sim.addHuman(number, 'Eve');
    const bot = await botIn(number);
    await sim.participantControl(number, eve, 'rename', {
      name: `\u202eEve\u0000\u001b[2J${'e'.repeat(900)}`,
    });
    await sim.call('POST', `/_sim/meetings/${number}/captions`, {
      participantId: eve,
      text: `\u0007${'x'.repeat(1024 * 1024)}`,
    });
    const caption = await bot.waitForEvent((e) => e.type === 'caption');
    expect(caption.data).toMatchObject({ text: 'x'.repeat(CAPTION_TEXT_MAX), truncated: true });
    const renamed = bot.events().find((e) => e.type === 'participant.updated');
    expect(renamed?.data).toMatchObject({ name: `Eve[2J${'e'.repeat(250)}` });
    // Every cut is counted (the renamed name, the caption's copy of it, the caption's text), and reported
    // with the first tick a second or more after the feed's last report.
    const counts = await vi.waitFor(
      () => {
        bot.feed.tick();
        const report = bot.sent.find((m) => m.type === 'meeting-events-dropped');
        if (!report) throw new Error('no drop counts yet');
        return report;
      },
      { timeout: 3_000, interval: 100 },
    );
    expect(counts).toEqual({ type: 'meeting-events-dropped', dropped: {}, truncated: 3 });
  });
});
