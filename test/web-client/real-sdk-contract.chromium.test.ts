import type { Browser, HTTPRequest } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PuppeteerBotPage } from '../../runner/browser/puppeteer-bot-page.js';
import { ensurePageBuilds, pageBuildDir } from '../../runner/web/page-build.js';
import { PAGE_PATHS } from '../../runner/web/page-routes.js';
import { type RunningPageServer, startPageServer } from '../../runner/web/page-server.js';
import type { PageJoinParams, PageMessage } from '../../shared/bridge.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { startTestChromium } from '../helpers/chromium.js';
import { recordEvents } from '../helpers/page-events.js';
import { startTestSim } from '../helpers/sim.js';
import { createSimClients, type SimClients } from '../helpers/sim-clients.js';

/**
 * The real @zoom/meetingsdk runs in Chromium up to its first request to Zoom, `POST
 * https://zoom.us/api/v1/wc/info`, which this test intercepts: what it carries is what Zoom would get.
 */
const MEETING = '81234567890';
const NAME = 'Zoë Notetaker 会议 🤖';
const PASSCODE = 'pa55-w0rd';

let sim: RunningSim;
let zoom: SimClients;
let pages: RunningPageServer;
let browser: Browser;

beforeAll(async () => {
  await ensurePageBuilds(['zoom']);
  [sim, pages, browser] = await Promise.all([
    startTestSim(),
    startPageServer({ buildDir: pageBuildDir() }),
    startTestChromium(),
  ]);
  zoom = await createSimClients(sim);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await zoom?.close();
  await sim?.close();
});

interface Intercepted {
  form: URLSearchParams;
  urls: string[];
  console: string[];
}

/** Opens the real-SDK page, answers `wc/info` with `answer`, joins with `params`. */
async function joinThroughRealSdk(params: PageJoinParams, answer: object) {
  const { logger, lines } = captureLogger();
  const page = await PuppeteerBotPage.open(browser, {
    pageUrl: pages.origin + PAGE_PATHS.page('zoom'),
    logger,
  });
  const log = recordEvents(page);
  const seen: Intercepted = { form: new URLSearchParams(), urls: [], console: [] };
  const raw = page.puppeteerPage;
  raw.on('console', (message) => seen.console.push(message.text()));
  let gotInfo: (form: URLSearchParams) => void = () => {};
  const info = new Promise<URLSearchParams>((resolve) => {
    gotInfo = resolve;
  });
  await raw.setRequestInterception(true);
  raw.on('request', (request: HTTPRequest) => {
    const url = request.url();
    seen.urls.push(url);
    if (url.startsWith(pages.origin) || url.startsWith('data:') || url.startsWith('blob:')) {
      void request.continue();
    } else if (url === 'https://zoom.us/api/v1/wc/info' && request.method() === 'POST') {
      const form = new URLSearchParams(request.postData() ?? '');
      seen.form = form;
      gotInfo(form);
      void request.respond({
        status: 200,
        contentType: 'application/json',
        headers: { 'Access-Control-Allow-Origin': pages.origin, 'Access-Control-Allow-Credentials': 'true' },
        body: JSON.stringify(answer),
      });
    } else {
      void request.abort();
    }
  });
  await page.init({ assetPath: pages.origin + PAGE_PATHS.sdkAssets });
  await page.join(params);
  const form = await info;
  const result = (await log.waitFor((e) => e.type === 'join-result', 20_000)) as Extract<
    PageMessage,
    { type: 'join-result' }
  >;
  return { page, log, form, result, seen, logLines: lines };
}

describe('real Meeting SDK: what reaches Zoom', () => {
  it('sends our meeting number, display name, passcode, signature and ZAK, and reports the refusal', async () => {
    const zak = await zoom.clients.meetingTokens.mintZak(zoom.clients.credentials.botUser ?? '');
    const signature = await zoom.clients.signatures.sign(MEETING);
    const { page, log, form, result, seen, logLines } = await joinThroughRealSdk(
      {
        meetingNumber: MEETING,
        signature,
        userName: NAME,
        password: PASSCODE,
        zak,
        customerKey: 'bot-contract-1',
      },
      { status: false, errorCode: 3001, errorMessage: 'Meeting does not exist.' },
    );

    expect(form.get('meetingNumber')).toBe(MEETING);
    expect(form.get('userName')).toBe(NAME);
    expect(form.get('passWord')).toBe(PASSCODE);
    expect(form.get('signature')).toBe(signature);
    expect(form.get('ztk')).toBe(zak);
    expect(form.get('apiKey')).toBe(zoom.clients.credentials.sdkKey);
    expect(form.get('signatureType')).toBe('sdk');
    expect(form.has('obfToken')).toBe(false);

    // The SDK turns Zoom's refusal into its generic 200 with Zoom's message, and the runner hears it.
    expect(result).toMatchObject({ ok: false, errorCode: 200, reason: 'Meeting does not exist.' });
    const fail = await log.waitFor((e) => e.type === 'connection-change' && e.change.state === 'Fail');
    expect(fail).toMatchObject({
      change: { state: 'Fail', errorCode: 200, reason: 'Meeting does not exist.' },
    });

    // The secrets went to Zoom in the body, and nowhere else.
    for (const secret of [zak, signature, PASSCODE]) {
      expect(
        seen.urls.filter((url) => url.includes(secret) || url.includes(encodeURIComponent(secret))),
      ).toEqual([]);
      expect(seen.console.filter((line) => line.includes(secret))).toEqual([]);
      expect(logLines.filter((line) => line.includes(secret))).toEqual([]);
    }
    await page.close();
  });

  it('sends an OBF token instead of a ZAK when joining on behalf of a user', async () => {
    const user = zoom.clients.credentials.botUser ?? '';
    const obfToken = await zoom.clients.meetingTokens.mintObf(user, MEETING);
    const signature = await zoom.clients.signatures.sign(MEETING);
    const { page, form, result } = await joinThroughRealSdk(
      { meetingNumber: MEETING, signature, userName: NAME, obfToken, customerKey: 'bot-contract-2' },
      { status: false, errorCode: 13299, errorMessage: 'Token has expired.' },
    );
    // SDK 6.2.0 sends the OBF token later, in the meeting join after wc/info; holding one, it clears the
    // ZAK fields of wc/info (its request builder: `obfToken ? (ztk = '', zsk = '')`). So the OBF handover
    // shows here as the absence of any ZAK next to our signature, meeting and name.
    expect(form.get('ztk') ?? '').toBe('');
    expect(form.get('zsk') ?? '').toBe('');
    expect(form.get('signature')).toBe(signature);
    expect(form.get('meetingNumber')).toBe(MEETING);
    expect(form.get('userName')).toBe(NAME);
    expect(form.toString()).not.toContain(obfToken);
    expect(result).toMatchObject({ ok: false, errorCode: 200, reason: 'Token has expired.' });
    await page.close();
  });
});
