import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotClient, createBotClient, type MeetingEvent } from '../../runner/client/producer-client.js';
import { TEST_REDIS_URL } from '../../testkit/redis.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * docs/contract.md §11 through the real page path: a Chromium worker (the sim build of the bot page,
 * its SDK events, the bridge, `zbrBot.sendChat`) against zoom-sim, read back through the producer
 * library. The same scenario without a browser: meeting-events.test.ts.
 */
const rig = useWorkerRig();
const { sim } = rig;
let bots: BotClient;

beforeAll(() => {
  bots = createBotClient({ redisUrl: TEST_REDIS_URL, queuePrefix: rig.config.QUEUE_PREFIX });
});
afterAll(async () => {
  await bots?.close();
});

const fields = (e: MeetingEvent) => e.data as Record<string, unknown>;

async function allEvents(id: string, type?: string): Promise<MeetingEvent[]> {
  const out: MeetingEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await bots.meetingEvents(id, { after, limit: 1000, ...(type ? { type } : {}) });
    out.push(...page.items);
    if (page.nextAfter === after) return out;
    after = page.nextAfter;
  }
}

async function waitFor(id: string, match: (e: MeetingEvent) => boolean, timeout = 15_000) {
  await expect.poll(async () => (await allEvents(id)).some(match), { timeout, interval: 200 }).toBe(true);
}

async function simChat(number: string) {
  const body = (await sim.call('GET', `/_sim/meetings/${number}/chat`)) as unknown as {
    items: Array<{ from: number; to: number | 'everyone'; text: string }>;
  };
  return body.items;
}

describe('meeting events from a Chromium bot page', { timeout: 120_000 }, () => {
  const ON_JOIN = 'Notes Bot joined to take notes.';
  let meeting = '';
  let botId = '';
  let ada = 0;

  it('records participants with their ids and roles, and posts chat.onJoin', async () => {
    meeting = (await sim.createMeeting()).number;
    ada = await sim.addHuman(meeting, 'Ada');
    const { bot } = await bots.enqueue({
      meetingNumber: meeting,
      displayName: 'Notes Bot',
      auth: { type: 'zak' },
      chat: { onJoin: ON_JOIN },
    });
    botId = bot.id;
    await expect.poll(async () => (await bots.get(botId)).state, { timeout: 60_000 }).toBe('in_meeting');
    const self = await sim.botParticipant(meeting, botId);
    await waitFor(botId, (e) => e.type === 'participant.joined' && e.data.participantId === ada);
    await sim.call('POST', `/_sim/meetings/${meeting}/participants/${ada}/rename`, { name: 'Ada L.' });
    await sim.call('POST', `/_sim/meetings/${meeting}/participants/${ada}/role`, { role: 'cohost' });
    await waitFor(botId, (e) => e.type === 'participant.updated' && e.data.role === 'cohost');
    const participants = (await allEvents(botId, 'participant')).map((e) => [
      e.type,
      fields(e).participantId,
      fields(e).name,
      fields(e).role,
      fields(e).ours,
    ]);
    expect(participants).toEqual(
      expect.arrayContaining([
        ['participant.joined', ada, 'Ada', 'attendee', false],
        ['participant.joined', self.id, 'Notes Bot', expect.any(String), true],
        ['participant.updated', ada, 'Ada L.', 'attendee', false],
        ['participant.updated', ada, 'Ada L.', 'cohost', false],
      ]),
    );
    await expect.poll(async () => (await simChat(meeting)).filter((m) => m.text === ON_JOIN)).toHaveLength(1);
  });

  it('carries chat both ways, captions, the active speaker and the recording state', async () => {
    const self = await sim.botParticipant(meeting, botId);
    const base = `/_sim/meetings/${meeting}`;
    await sim.call('POST', `${base}/chat`, { from: ada, text: 'Hello all' });
    await sim.call('POST', `${base}/chat`, { from: ada, text: 'Just for the bot', to: self.id });
    await bots.chat(botId, 'Hello Ada');
    await bots.chat(botId, 'Privately', { to: ada });
    await sim.call('POST', `${base}/captions`, { participantId: ada, text: 'Let us begin' });
    await sim.call('POST', `${base}/active-speaker`, { participantIds: [ada] });
    await sim.call('POST', `${base}/recording`, { state: 'started' });
    await waitFor(botId, (e) => e.type === 'recording.changed');
    await waitFor(botId, (e) => e.type === 'chat.sent' && e.data.text === 'Privately');
    const chat = (await allEvents(botId, 'chat')).map((e) => [e.type, fields(e).to, fields(e).text]);
    expect(chat).toEqual(
      expect.arrayContaining([
        ['chat.received', 'everyone', 'Hello all'],
        ['chat.received', 'me', 'Just for the bot'],
        ['chat.sent', 'everyone', 'Hello Ada'],
        ['chat.sent', ada, 'Privately'],
      ]),
    );
    expect((await simChat(meeting)).filter((m) => m.from === self.id).map((m) => [m.to, m.text])).toEqual(
      expect.arrayContaining([
        ['everyone', 'Hello Ada'],
        [ada, 'Privately'],
      ]),
    );
    expect((await allEvents(botId, 'caption')).map((e) => fields(e).text)).toEqual(['Let us begin']);
    expect((await allEvents(botId, 'speaker')).map((e) => fields(e).participantIds)).toEqual([[ada]]);
    expect((await allEvents(botId, 'recording')).map((e) => fields(e).state)).toEqual(['started']);
  });

  it('after a drop and rejoin: nobody joins twice, recording is not repeated, chat.onJoin stays once', async () => {
    const before = await sim.botParticipant(meeting, botId);
    const count = (await allEvents(botId)).length;
    await sim.participantControl(meeting, before.id, 'drop');
    await expect
      .poll(() => bots.get(botId), { timeout: 60_000 })
      .toMatchObject({ state: 'in_meeting', rejoins: 1 });
    await waitFor(botId, (e) => e.type === 'participant.left' && e.data.participantId === before.id);
    const since = (await allEvents(botId)).slice(count);
    expect(since.filter((e) => fields(e).participantId === ada)).toEqual([]);
    expect(since.filter((e) => e.type === 'recording.changed')).toEqual([]);
    const people = await bots.participants(botId);
    expect(people.filter((p) => p.participantId === ada)).toHaveLength(1);
    expect((await simChat(meeting)).filter((m) => m.text === ON_JOIN)).toHaveLength(1);
  });
});
