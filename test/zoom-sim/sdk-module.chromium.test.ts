import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestChromium } from '../../testkit/chromium.js';
import { useSim } from '../helpers/sim-harness.js';

/** The browser module in real Chromium, against a real sim: join, see Connected, leave. */
const sim = useSim();
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  const bundled = await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/sdk-harness.js', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  const script = bundled.outputFiles[0]?.text ?? '';
  browser = await startTestChromium();
  page = await browser.newPage();
  await page.setContent('<!doctype html><div id="root"></div>');
  await page.addScriptTag({ content: script });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

const call = (expression: string) => page.evaluate(expression);

describe('zoom-sim/sdk in Chromium', () => {
  it('on() before init() throws, like the real client', async () => {
    expect(await call('zoomSimHarness.onBeforeInit()')).toBe('threw');
  });

  it('refuses with JOIN_MEETING_FAILED and the Zoom code', async () => {
    const { number } = await sim.createMeeting({ locked: true });
    const options = { signature: await sim.sign(number), meetingNumber: number, userName: 'Bot' };
    const result = await call(
      `zoomSimHarness.join(${JSON.stringify(sim.sim.url)}, ${JSON.stringify(options)})`,
    );
    expect(result).toEqual({
      ok: false,
      error: { type: 'JOIN_MEETING_FAILED', errorCode: 4006, reason: 'This meeting is locked.' },
    });
  });

  it('joins (webEndpoint as host:port), sees Connected and the attendees, then leaves', async () => {
    await call('zoomSimHarness.onBeforeInit()');
    const { number } = await sim.createMeeting();
    await sim.addHuman(number, 'Alice');
    const options = {
      signature: await sim.sign(number),
      meetingNumber: number,
      userName: 'Chromium Bot',
      zak: await sim.mintZak(),
      customerKey: 'bot-42',
    };
    const endpoint = new URL(sim.sim.url).host;
    const joined = (await call(
      `zoomSimHarness.join(${JSON.stringify(endpoint)}, ${JSON.stringify(options)})`,
    )) as {
      ok: boolean;
      self: { userName: string; isHold: boolean; avatar: string };
    };
    expect(joined.ok).toBe(true);
    expect(joined.self).toMatchObject({ userName: 'Chromium Bot', isHold: false });
    expect(joined.self.avatar).toContain('/_sim/avatars/');
    await page.waitForFunction('zoomSimHarness.events.some((e) => e.event === "user-added")');
    const events = (await call('zoomSimHarness.events')) as {
      event: string;
      state?: string;
      names?: string[];
    }[];
    expect(events.find((e) => e.event === 'connection-change')).toEqual({
      event: 'connection-change',
      state: 'Connected',
    });
    expect(events.find((e) => e.event === 'user-added')?.names?.sort()).toEqual(['Alice', 'Chromium Bot']);

    const again = await call(`zoomSimHarness.secondJoin(${JSON.stringify(options)})`);
    expect(again).toEqual({
      ok: false,
      error: { type: 'INVALID_OPERATION', reason: 'Duplicated join operation', errorCode: 5012 },
    });

    const view = await sim.meeting(number);
    expect(view.participants.find((p) => p.isBot)).toMatchObject({
      customerKey: 'bot-42',
      state: 'in_meeting',
    });

    await call('zoomSimHarness.leave()');
    const last = (await call('zoomSimHarness.events.at(-1)')) as Record<string, unknown>;
    expect(last).toEqual({ event: 'connection-change', state: 'Closed' });
    expect((await sim.meeting(number)).participants.find((p) => p.isBot)?.state).toBe('left');
  });
});
