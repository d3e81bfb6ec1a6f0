import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool, type BrowserPoolOptions } from '../../runner/browser/browser-pool.js';
import { isProcessRunning } from '../../runner/browser/chromium-processes.js';
import type { PuppeteerBotPage } from '../../runner/browser/puppeteer-bot-page.js';
import type { BotPage, BotPageEvent } from '../../runner/supervisor/ports.js';
import { ensurePageBuilds, pageBuildDir } from '../../runner/web/page-build.js';
import { type RunningPageServer, startPageServer } from '../../runner/web/page-server.js';
import { CHROMIUM_PATH } from '../../testkit/chromium.js';
import { createSimClients, type SimClients } from '../../testkit/sim-clients.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { recordEvents } from '../helpers/page-events.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * The browser pool against the sim page build and a started zoom-sim. Each test makes its own pool
 * (at most two Chromium processes) and closes it; the last test proves nothing is left running.
 */
const sim = useSim();
let pages: RunningPageServer;
let zoom: SimClients;
const pools: BrowserPool[] = [];

beforeAll(async () => {
  await ensurePageBuilds(['sim']);
  pages = await startPageServer({ buildDir: pageBuildDir() });
  zoom = await createSimClients(sim.sim);
}, 180_000);

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

afterAll(async () => {
  await zoom?.close();
  await pages?.close();
});

function makePool(overrides: Partial<BrowserPoolOptions> = {}): BrowserPool {
  const pool = new BrowserPool({
    chromium: { executablePath: CHROMIUM_PATH },
    botsPerBrowser: 2,
    pageOrigin: pages.origin,
    sdk: 'sim',
    webEndpoint: new URL(sim.sim.url).host,
    logger: captureLogger().logger,
    ...overrides,
  });
  pools.push(pool);
  return pool;
}

const isState = (state: string) => (e: BotPageEvent) =>
  e.type === 'connection-change' && e.change.state === state;

async function joinMeeting(page: BotPage, meetingNumber: string, botId: string): Promise<void> {
  const { clients } = zoom;
  const user = clients.credentials.botUser;
  if (!user) throw new Error('the sim names no service user');
  const log = recordEvents(page);
  await page.join({
    meetingNumber,
    signature: await clients.signatures.sign(meetingNumber),
    zak: await clients.meetingTokens.mintZak(user),
    userName: `Pool ${botId}`,
    customerKey: botId,
  });
  await log.waitFor(isState('Connected'));
}

const waitUntil = async (check: () => boolean, what: string, timeoutMs = 15_000) => {
  await expect.poll(check, { timeout: timeoutMs, message: what }).toBe(true);
};

describe('browser pool (sim build, started zoom-sim)', () => {
  it('keeps a page warm, hands it out initialised, and the bot joins at once', async () => {
    const pool = makePool();
    const warmStart = Date.now();
    pool.topUp();
    await waitUntil(() => pool.stats().warm === 1, 'a warm page', 30_000);
    const warmMs = Date.now() - warmStart;
    const meeting = await sim.createMeeting();

    const openStart = Date.now();
    const page = await pool.open('bot-warm');
    const openMs = Date.now() - openStart;
    // The warm page is handed over as is: no load, no SDK init on the join path.
    expect(openMs).toBeLessThan(200);
    await joinMeeting(page, meeting.number, 'bot-warm');
    const view = await sim.meeting(meeting.number);
    expect(view.participants).toEqual([
      expect.objectContaining({ customerKey: 'bot-warm', userName: 'Pool bot-warm', state: 'in_meeting' }),
    ]);
    // A replacement is warming for the next bot.
    await waitUntil(() => pool.stats().warm === 1, 'a replacement warm page', 30_000);
    expect(pool.stats()).toEqual({ browsers: 1, pages: 2, warm: 1 });
    console.info(
      `pool: Chromium launch + page load + SDK init ${warmMs} ms; open of a warm page ${openMs} ms`,
    );
  });

  it('opens a page without a warm one (cold path), also initialised', async () => {
    const pool = makePool({ warmPages: 0 });
    const meeting = await sim.createMeeting();
    const page = await pool.open('bot-cold');
    await joinMeeting(page, meeting.number, 'bot-cold');
    expect(pool.stats()).toEqual({ browsers: 1, pages: 1, warm: 0 });
  });

  it('isolates two bots in one browser: no storage, cookies or tokens cross', async () => {
    const pool = makePool({ warmPages: 0 });
    const [a, b] = await Promise.all([pool.open('bot-a'), pool.open('bot-b')]);
    const pageA = pool.pageOf('bot-a')?.puppeteerPage;
    const pageB = pool.pageOf('bot-b')?.puppeteerPage;
    if (!pageA || !pageB || !a || !b) throw new Error('pages not tracked');
    expect(pageA.browser()).toBe(pageB.browser());
    expect(pool.pids()).toHaveLength(1);
    expect(new URL(pageA.url()).origin).toBe(new URL(pageB.url()).origin);

    await pageA.evaluate(() => {
      sessionStorage.setItem('zbr-secret', 'zak-of-a');
      localStorage.setItem('zbr-secret', 'zak-of-a');
      // biome-ignore lint/suspicious/noDocumentCookie: a cookie written the way a page script would
      document.cookie = 'zbr-secret=zak-of-a; path=/';
    });
    const seenByA = await pageA.evaluate(() => ({
      session: sessionStorage.getItem('zbr-secret'),
      local: localStorage.getItem('zbr-secret'),
      cookie: document.cookie,
    }));
    expect(seenByA).toEqual({ session: 'zak-of-a', local: 'zak-of-a', cookie: 'zbr-secret=zak-of-a' });
    const seenByB = await pageB.evaluate(() => ({
      session: sessionStorage.getItem('zbr-secret'),
      local: localStorage.getItem('zbr-secret'),
      cookie: document.cookie,
    }));
    expect(seenByB).toEqual({ session: null, local: null, cookie: '' });
    expect(await pageB.browserContext().cookies()).toEqual([]);
  });

  it('puts at most BOTS_PER_BROWSER bots in one Chromium: 3 bots at 2 per browser → 2 processes', async () => {
    const pool = makePool({ warmPages: 0 });
    await Promise.all(['bot-1', 'bot-2', 'bot-3'].map((id) => pool.open(id)));
    expect(pool.stats()).toEqual({ browsers: 2, pages: 3, warm: 0 });
    const pids = pool.pids();
    expect(new Set(pids).size).toBe(2);
    const perBrowser = new Map<unknown, number>();
    for (const id of ['bot-1', 'bot-2', 'bot-3']) {
      const browser = pool.pageOf(id)?.puppeteerPage.browser();
      perBrowser.set(browser, (perBrowser.get(browser) ?? 0) + 1);
    }
    expect([...perBrowser.values()].sort()).toEqual([1, 2]);
  });

  it('reports crashed when its Chromium is killed, and the next open relaunches', async () => {
    const pool = makePool({ botsPerBrowser: 1, warmPages: 0 });
    const [first, second] = await Promise.all([pool.open('bot-x'), pool.open('bot-y')]);
    if (!first || !second) throw new Error('no pages');
    const firstLog = recordEvents(first);
    const secondLog = recordEvents(second);
    const victim = pool.pageOf('bot-x')?.puppeteerPage.browser().process()?.pid;
    const survivor = pool.pageOf('bot-y')?.puppeteerPage.browser().process()?.pid;
    expect(victim).toBeDefined();
    expect(survivor).not.toBe(victim);

    process.kill(victim as number, 'SIGKILL');
    const crash = await firstLog.waitFor((e) => e.type === 'crashed' || e.type === 'closed');
    expect(crash.type).toBe('crashed');
    await waitUntil(() => pool.stats().browsers === 1, 'the dead browser dropped');
    expect(pool.pids()).toEqual([survivor]);
    expect(pool.pageOf('bot-x')).toBeUndefined();
    expect(secondLog.events.filter((e) => e.type === 'crashed' || e.type === 'closed')).toEqual([]);

    const meeting = await sim.createMeeting();
    const again = await pool.open('bot-x');
    await joinMeeting(again, meeting.number, 'bot-x');
    expect(pool.stats().browsers).toBe(2);
    expect(pool.pids()).not.toContain(victim);
    expect(isProcessRunning(victim as number)).toBe(false);
  });

  it('hands join parameters only to its own page: a page navigated to another origin is refused', async () => {
    const received: string[] = [];
    const foreign = createServer((req, res) => {
      received.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><p>elsewhere</p>');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    try {
      const pool = makePool();
      const page = await pool.open('bot-moved');
      const moved = (page as PuppeteerBotPage).puppeteerPage;
      await moved.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
      const secret = 'zak-that-must-stay-home';
      await expect(
        page.join({
          meetingNumber: '81234567890',
          signature: 'sig',
          zak: secret,
          userName: 'Moved',
          customerKey: 'bot-moved',
        }),
      ).rejects.toMatchObject({ code: 'page_origin_mismatch' });
      await expect(page.sendChat('hello')).rejects.toMatchObject({ code: 'page_origin_mismatch' });
      // Nothing reached the foreign page: not in a request, and not into its window.
      expect(received.join('\n')).not.toContain(secret);
      expect(await moved.evaluate(() => document.documentElement.outerHTML)).not.toContain(secret);
    } finally {
      await new Promise((resolve) => foreign.close(resolve));
    }
  });

  it('close() leaves no Chromium process of the pool, and is idempotent', async () => {
    const pool = makePool({ warmPages: 1 });
    const meeting = await sim.createMeeting();
    await joinMeeting(await pool.open('bot-close'), meeting.number, 'bot-close');
    await waitUntil(() => pool.stats().warm === 1, 'a warm page', 30_000);
    const tree = pool.processTree();
    // Browser, zygotes, renderers, GPU and network processes.
    expect(tree.length).toBeGreaterThan(3);
    expect(tree.filter(isProcessRunning)).toEqual(tree);

    const closing = pool.close();
    expect(pool.close()).toBe(closing);
    await closing;
    await waitUntil(() => tree.filter(isProcessRunning).length === 0, 'every Chromium process gone', 5_000);
    expect(pool.stats()).toEqual({ browsers: 0, pages: 0, warm: 0 });
    await expect(pool.open('bot-late')).rejects.toMatchObject({ code: 'page_closed' });
  });
});
