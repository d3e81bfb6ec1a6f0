import type { Browser } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PuppeteerBotPage } from '../../runner/browser/puppeteer-bot-page.js';
import type { BotPageEvent } from '../../runner/supervisor/ports.js';
import { ensurePageBuilds, pageBuildDir } from '../../runner/web/page-build.js';
import { PAGE_PATHS } from '../../runner/web/page-routes.js';
import { type RunningPageServer, startPageServer } from '../../runner/web/page-server.js';
import type { PageMessage } from '../../shared/bridge.js';
import {
  interpretConnectionChange,
  type SignalAction,
  type SignalContext,
} from '../../shared/sdk-signals.js';
import { startTestChromium } from '../../testkit/chromium.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { type EventLog, recordEvents } from '../helpers/page-events.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * The sim build of the bot page in Chromium, against a started zoom-sim: each meeting event the
 * sim produces must reach the runner as the SDK signal that docs/contract.md §5 maps to the right action.
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

type Change = Extract<PageMessage, { type: 'connection-change' }>;
const isChange =
  (state: string) =>
  (e: BotPageEvent): e is Change =>
    e.type === 'connection-change' && e.change.state === state;

async function openBot(): Promise<{ page: PuppeteerBotPage; log: EventLog; logLines: string[] }> {
  const { logger, lines } = captureLogger();
  const page = await PuppeteerBotPage.open(browser, {
    pageUrl: pages.origin + PAGE_PATHS.page('sim'),
    logger,
  });
  opened.push(page);
  const log = recordEvents(page);
  await page.init({ assetPath: pages.origin + PAGE_PATHS.sdkAssets, webEndpoint: new URL(sim.sim.url).host });
  return { page, log, logLines: lines };
}

async function joinBot(meetingNumber: string, customerKey: string, userName = 'Sim Bot') {
  const bot = await openBot();
  await bot.page.join({
    meetingNumber,
    signature: await sim.sign(meetingNumber),
    zak: await sim.mintZak(),
    userName,
    customerKey,
  });
  return bot;
}

async function participantId(meetingNumber: string, customerKey: string): Promise<number> {
  const view = await sim.meeting(meetingNumber);
  const found = view.participants.find((p) => p.customerKey === customerKey && p.state !== 'left');
  if (!found) throw new Error(`no participant ${customerKey}`);
  return found.id;
}

function actionOf(change: Change, ctx: Partial<SignalContext> = {}): SignalAction {
  return interpretConnectionChange(change.change, { wasConnected: true, inWaitingRoom: false, ...ctx });
}

describe('sim build in Chromium: SDK signals reach the runner', () => {
  it('joins: Connected, with our name and bot id in the meeting', async () => {
    const meeting = await sim.createMeeting();
    const { page, log } = await joinBot(meeting.number, 'bot-join', 'Ünïcode Bot 会议');
    expect(page.ready).toEqual({ type: 'ready', sdk: 'sim', crossOriginIsolated: true });
    await log.waitFor(isChange('Connected'));
    expect(await log.waitFor((e) => e.type === 'join-result')).toMatchObject({ ok: true });
    const view = await sim.meeting(meeting.number);
    expect(view.participants).toEqual([
      expect.objectContaining({ userName: 'Ünïcode Bot 会议', customerKey: 'bot-join', state: 'in_meeting' }),
    ]);
  });

  it('waits for the host (Fail 3008), then joins when the host starts', async () => {
    const meeting = await sim.createMeeting({ started: false });
    const { log } = await joinBot(meeting.number, 'bot-host');
    const fail = await log.waitFor(isChange('Fail'));
    expect(actionOf(fail, { wasConnected: false }).kind).toBe('waiting_for_host');
    await sim.control(meeting.number, 'start');
    expect(actionOf(await log.waitFor(isChange('Connected'))).kind).toBe('in_meeting');
  });

  it('is on hold in the waiting room, then admitted', async () => {
    const meeting = await sim.createMeeting({ waitingRoom: true });
    const { log } = await joinBot(meeting.number, 'bot-wr');
    const hold = await log.waitFor(isChange('Reconnecting'));
    expect(actionOf(hold, { wasConnected: false }).kind).toBe('in_waiting_room');
    const self = await log.waitFor((e) => e.type === 'user-updated' && e.self?.isHold === true);
    expect(self).toBeDefined();
    await sim.participantControl(meeting.number, await participantId(meeting.number, 'bot-wr'), 'admit');
    expect(actionOf(await log.waitFor(isChange('Connected'))).kind).toBe('in_meeting');
  });

  it('is kicked: Closed "kicked by host" ends the bot without rejoin', async () => {
    const meeting = await sim.createMeeting();
    const { log } = await joinBot(meeting.number, 'bot-kick');
    await log.waitFor(isChange('Connected'));
    await sim.participantControl(meeting.number, await participantId(meeting.number, 'bot-kick'), 'remove');
    expect(actionOf(await log.waitFor(isChange('Closed')))).toEqual({ kind: 'end', reason: 'kicked' });
  });

  it('sees the meeting end: Closed "ended by host"', async () => {
    const meeting = await sim.createMeeting();
    const { log } = await joinBot(meeting.number, 'bot-end');
    await log.waitFor(isChange('Connected'));
    await sim.control(meeting.number, 'end');
    expect(actionOf(await log.waitFor(isChange('Closed')))).toEqual({ kind: 'end', reason: 'ended_by_host' });
  });

  it('rides out a network blip: Reconnecting failover, then Connected again', async () => {
    const meeting = await sim.createMeeting();
    const { log } = await joinBot(meeting.number, 'bot-blip');
    await log.waitFor(isChange('Connected'));
    const connectedBefore = log.events.filter(isChange('Connected')).length;
    await sim.participantControl(meeting.number, await participantId(meeting.number, 'bot-blip'), 'drop', {
      forMs: 300,
    });
    expect(actionOf(await log.waitFor(isChange('Reconnecting'))).kind).toBe('reconnecting');
    await log.waitFor(() => log.events.filter(isChange('Connected')).length > connectedBefore);
  });

  it('loses the connection: Fail -3000 after being in the meeting is a drop', async () => {
    const meeting = await sim.createMeeting();
    const { log } = await joinBot(meeting.number, 'bot-drop');
    await log.waitFor(isChange('Connected'));
    await sim.participantControl(meeting.number, await participantId(meeting.number, 'bot-drop'), 'drop');
    const fail = await log.waitFor(isChange('Fail'));
    expect(fail.change).toMatchObject({ errorCode: -3000, reason: 'connection error' });
    expect(actionOf(fail).kind).toBe('drop');
  });

  it('is closed as a duplicated session when the same Zoom user joins again', async () => {
    const meeting = await sim.createMeeting();
    const first = await joinBot(meeting.number, 'bot-dup-1');
    await first.log.waitFor(isChange('Connected'));
    const second = await joinBot(meeting.number, 'bot-dup-2');
    await second.log.waitFor(isChange('Connected'));
    expect(actionOf(await first.log.waitFor(isChange('Closed')))).toEqual({
      kind: 'end',
      reason: 'duplicate_session',
    });
  });

  it('leaves on command: Closed with no reason, read as the leave that asked', async () => {
    const meeting = await sim.createMeeting();
    const { page, log } = await joinBot(meeting.number, 'bot-leave');
    await log.waitFor(isChange('Connected'));
    await page.leave(5_000);
    expect(actionOf(await log.waitFor(isChange('Closed')), { leavingFor: 'left_by_request' })).toEqual({
      kind: 'end',
      reason: 'left_by_request',
    });
    const view = await sim.meeting(meeting.number);
    expect(view.participants.find((p) => p.customerKey === 'bot-leave')?.state).toBe('left');
  });

  it('ignores a report that does not parse, logging its type but never its content', async () => {
    const { page, log, logLines } = await openBot();
    const before = log.events.length;
    await page.puppeteerPage.evaluate(() =>
      window.zbrReport?.({ type: 'connection-change', change: { state: 7 }, zak: 'LEAKED-ZAK' } as never),
    );
    await page.puppeteerPage.evaluate(() => window.zbrReport?.('LEAKED-STRING' as never));
    const ignored = () => logLines.filter((line) => line.includes('ignored an unreadable page report'));
    await expect.poll(() => ignored()).toHaveLength(2);
    expect(log.events.length).toBe(before);
    expect(logLines.join('')).not.toContain('LEAKED');
  });

  it('closes the page when the SDK does not answer a leave in time, which takes the bot out', async () => {
    const meeting = await sim.createMeeting();
    const { page, log } = await joinBot(meeting.number, 'bot-stuck');
    await log.waitFor(isChange('Connected'));
    // An SDK that never answers leaveMeeting().
    await page.puppeteerPage.evaluate(() => {
      if (window.zbrBot) window.zbrBot.leave = () => new Promise<void>(() => {});
    });
    const started = Date.now();
    await page.leave(500);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(page.puppeteerPage.isClosed()).toBe(true);
    // Closing the context closed the participant's socket: the sim sees it gone.
    await expect
      .poll(
        async () =>
          (await sim.meeting(meeting.number)).participants.find((p) => p.customerKey === 'bot-stuck')?.state,
      )
      .toBe('left');
  });
});
