import type { Browser } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PuppeteerBotPage } from '../../runner/browser/puppeteer-bot-page.js';
import type { BotPageEvent } from '../../runner/supervisor/ports.js';
import { ensurePageBuilds, pageBuildDir } from '../../runner/web/page-build.js';
import { PAGE_PATHS } from '../../runner/web/page-routes.js';
import { type RunningPageServer, startPageServer } from '../../runner/web/page-server.js';
import type { PageChatRequest, PageMeetingEvent, PageMessage } from '../../shared/bridge.js';
import { CAPTION_TEXT_MAX } from '../../shared/meeting-event-bounds.js';
import { startTestChromium } from '../../testkit/chromium.js';
import { MEETING_SDK_EVENTS } from '../../web-client/src/meeting-events.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { type EventLog, recordEvents } from '../helpers/page-events.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * docs/contract.md §11 on the sim build of the bot page in Chromium: what the sim's control API does in
 * a meeting reaches the runner as `meeting-events` reports, bounded; `sendChat` goes out through the
 * SDK. (The same feed in Node, on the sim's SDK module: meeting-events-sim.test.ts.)
 */
const sim = useSim();
let pages: RunningPageServer;
let browser: Browser;
const opened: PuppeteerBotPage[] = [];

beforeAll(async () => {
  await ensurePageBuilds(['sim']);
  [pages, browser] = await Promise.all([startPageServer({ buildDir: pageBuildDir() }), startTestChromium()]);
}, 180_000);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((page) => page.close()));
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
});

function meetingEvents(log: EventLog): PageMeetingEvent[] {
  return log.events.flatMap((e) => (e.type === 'meeting-events' ? e.events : []));
}

async function joinBot(meetingNumber: string, customerKey: string, userName = 'Note Taker') {
  const { logger } = captureLogger();
  const page = await PuppeteerBotPage.open(browser, {
    pageUrl: pages.origin + PAGE_PATHS.page('sim'),
    logger,
  });
  opened.push(page);
  const log = recordEvents(page);
  await page.init({ assetPath: pages.origin + PAGE_PATHS.sdkAssets, webEndpoint: new URL(sim.sim.url).host });
  await page.join({
    meetingNumber,
    signature: await sim.sign(meetingNumber),
    zak: await sim.mintZak(),
    userName,
    customerKey,
  });
  await log.waitFor((e) => e.type === 'connection-change' && e.change.state === 'Connected');
  const view = await sim.meeting(meetingNumber);
  const self = view.participants.find((p) => p.customerKey === customerKey && p.state === 'in_meeting');
  if (!self) throw new Error(`bot ${customerKey} not in the meeting`);
  /** `zbrBot.sendChat` as the runner calls it: one evaluate, the outcome as a report. */
  const sendChat = async (request: PageChatRequest) => {
    await page.puppeteerPage.mainFrame().evaluate((r) => {
      void window.zbrBot?.sendChat(r);
    }, request);
    return log.waitFor(
      (e): e is Extract<PageMessage, { type: 'chat-result' }> =>
        e.type === 'chat-result' && e.requestId === request.requestId,
    );
  };
  const waitForEvent = (match: (e: PageMeetingEvent) => boolean) =>
    log.waitFor((e: BotPageEvent) => e.type === 'meeting-events' && e.events.some(match));
  return { page, log, selfId: self.id, sendChat, waitForEvent };
}

describe('sim build in Chromium: meeting events reach the runner', () => {
  it('the page registers connection-change and exactly the SDK events of §11', async () => {
    const meeting = await sim.createMeeting();
    const { log } = await joinBot(meeting.number, 'bot-listen');
    const init = log.events.find((e) => e.type === 'init-result');
    expect(init?.type === 'init-result' && new Set(init.listening)).toEqual(
      new Set(['connection-change', ...MEETING_SDK_EVENTS]),
    );
  });

  it('participants join, are renamed and promoted, leave; a rejoin does not lose anyone', async () => {
    const meeting = await sim.createMeeting();
    const alice = await sim.addHuman(meeting.number, 'Alice');
    const bot = await joinBot(meeting.number, 'bot-people');
    await bot.waitForEvent((e) => e.type === 'participant.joined' && e.data.participantId === alice);
    await sim.participantControl(meeting.number, alice, 'rename', { name: 'Alice (Acme)' });
    await sim.participantControl(meeting.number, alice, 'role', { role: 'cohost' });
    await sim.participantControl(meeting.number, alice, 'leave');
    await bot.waitForEvent((e) => e.type === 'participant.left' && e.data.participantId === alice);
    const about = meetingEvents(bot.log).filter((e) => 'role' in e.data && e.data.participantId === alice);
    expect(about.map((e) => 'role' in e.data && [e.type, e.data.name, e.data.role])).toEqual([
      ['participant.joined', 'Alice', 'attendee'],
      ['participant.updated', 'Alice (Acme)', 'attendee'],
      ['participant.updated', 'Alice (Acme)', 'cohost'],
      ['participant.left', 'Alice (Acme)', 'cohost'],
    ]);
    const self = meetingEvents(bot.log).find((e) => e.type === 'participant.joined' && e.data.self);
    expect(self?.data).toMatchObject({ participantId: bot.selfId, self: true, customerKey: 'bot-people' });
  });

  it('chat both ways: received to everyone and privately, sent to everyone and privately', async () => {
    const meeting = await sim.createMeeting();
    const alice = await sim.addHuman(meeting.number, 'Alice');
    const bot = await joinBot(meeting.number, 'bot-chat');
    await sim.call('POST', `/_sim/meetings/${meeting.number}/chat`, { from: alice, text: 'hello room' });
    await sim.call('POST', `/_sim/meetings/${meeting.number}/chat`, {
      from: alice,
      text: 'hi bot',
      to: bot.selfId,
    });
    await bot.waitForEvent((e) => e.type === 'chat.received' && e.data.to === 'me');
    expect(meetingEvents(bot.log).filter((e) => e.type === 'chat.received')).toEqual([
      {
        type: 'chat.received',
        data: { from: { participantId: alice, name: 'Alice' }, to: 'everyone', text: 'hello room' },
      },
      {
        type: 'chat.received',
        data: { from: { participantId: alice, name: 'Alice' }, to: 'me', text: 'hi bot' },
      },
    ]);
    expect(await bot.sendChat({ requestId: 'c1', text: 'Acme notes are on.' })).toMatchObject({ ok: true });
    expect(await bot.sendChat({ requestId: 'c2', text: 'Hi Alice', to: alice })).toMatchObject({ ok: true });
    expect(await bot.sendChat({ requestId: 'c3', text: 'nobody', to: 424242 })).toMatchObject({ ok: false });
    expect(meetingEvents(bot.log).filter((e) => e.type === 'chat.sent')).toEqual([
      { type: 'chat.sent', data: { to: 'everyone', text: 'Acme notes are on.' } },
      { type: 'chat.sent', data: { to: alice, text: 'Hi Alice' } },
    ]);
    const chat = await sim.call('GET', `/_sim/meetings/${meeting.number}/chat`);
    expect(
      (chat.items as { from: number; text: string }[]).filter((m) => m.from === bot.selfId),
    ).toHaveLength(2);
  });

  it('captions, speaker changes and recording state', async () => {
    const meeting = await sim.createMeeting();
    const alice = await sim.addHuman(meeting.number, 'Alice');
    const bot = await joinBot(meeting.number, 'bot-media');
    await sim.call('POST', `/_sim/meetings/${meeting.number}/captions`, {
      participantId: alice,
      text: 'Hello',
    });
    await sim.call('POST', `/_sim/meetings/${meeting.number}/active-speaker`, { participantIds: [alice] });
    await sim.call('POST', `/_sim/meetings/${meeting.number}/active-speaker`, { participantIds: [alice] });
    await sim.call('POST', `/_sim/meetings/${meeting.number}/recording`, { state: 'started' });
    await bot.waitForEvent((e) => e.type === 'recording.changed');
    expect(meetingEvents(bot.log).filter((e) => !e.type.startsWith('participant.'))).toEqual([
      { type: 'caption', data: { participantId: alice, name: 'Alice', text: 'Hello', language: 'en' } },
      { type: 'speaker.changed', data: { participantIds: [alice] } },
      { type: 'recording.changed', data: { state: 'started' } },
    ]);
  });

  it('a hostile meeting does not break the page: flood, megabyte caption, control characters', async () => {
    const meeting = await sim.createMeeting();
    const eve = await sim.addHuman(meeting.number, 'Eve');
    const bot = await joinBot(meeting.number, 'bot-hostile');
    await sim.participantControl(meeting.number, eve, 'rename', { name: '\u202eEve\u0000\u001b[2J' });
    await sim.call('POST', `/_sim/meetings/${meeting.number}/captions`, {
      participantId: eve,
      text: 'x'.repeat(1024 * 1024),
    });
    for (let i = 0; i < 1_000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          sim.call('POST', `/_sim/meetings/${meeting.number}/chat`, { from: eve, text: `spam ${i + j}` }),
        ),
      );
    }
    await bot.waitForEvent((e) => e.type === 'caption');
    const caption = meetingEvents(bot.log).find((e) => e.type === 'caption');
    expect(caption?.data).toMatchObject({
      name: 'Eve[2J',
      text: 'x'.repeat(CAPTION_TEXT_MAX),
      truncated: true,
    });
    const drops = await bot.log.waitFor((e) => e.type === 'meeting-events-dropped', 5_000);
    expect(drops).toMatchObject({ type: 'meeting-events-dropped' });
    // Still answering: the page beats, reports and sends.
    expect(await bot.sendChat({ requestId: 'after', text: 'still here' })).toMatchObject({ ok: true });
  });
});
