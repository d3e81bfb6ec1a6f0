import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool, type HungScope } from '../../runner/browser/browser-pool.js';
import { isProcessRunning } from '../../runner/browser/chromium-processes.js';
import type { PuppeteerBotPage } from '../../runner/browser/puppeteer-bot-page.js';
import { ensurePageBuilds, pageBuildDir } from '../../runner/web/page-build.js';
import { type RunningPageServer, startPageServer } from '../../runner/web/page-server.js';
import { CHROMIUM_PATH } from '../../testkit/chromium.js';
import { rendererPid } from '../../testkit/renderer-pid.js';
import { stopProcesses } from '../../testkit/stop-processes.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { recordEvents } from '../helpers/page-events.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * docs/contract.md §12 in real Chromium (sim page build): the page beats and is touched every 2 s
 * without throttling, and a page whose renderer or whole browser stops answering is found hung and
 * killed; the pool hands out nothing from a hung Chromium.
 */
const sim = useSim();
let pages: RunningPageServer;
const pools: BrowserPool[] = [];
const stopped: number[] = [];

beforeAll(async () => {
  await ensurePageBuilds(['sim']);
  pages = await startPageServer({ buildDir: pageBuildDir() });
}, 180_000);

afterEach(async () => {
  // A test that failed half-way must not leave a frozen process behind.
  for (const pid of stopped.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already, as it should be.
    }
  }
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

afterAll(async () => {
  await pages?.close();
});

function makePool(warmPages: number): BrowserPool {
  const pool = new BrowserPool({
    chromium: { executablePath: CHROMIUM_PATH },
    botsPerBrowser: 3,
    pageOrigin: pages.origin,
    sdk: 'sim',
    webEndpoint: new URL(sim.sim.url).host,
    warmPages,
    logger: captureLogger().logger,
  });
  pools.push(pool);
  return pool;
}

/** Stops the processes still there, remembers them for the clean-up, and returns them. */
function stop(pids: readonly number[]): number[] {
  const now = stopProcesses(pids);
  stopped.push(...now);
  return now;
}

/** Counts, inside the page, the beats it sends and the touches it gets (performance.now() times). */
async function countInPage(
  page: PuppeteerBotPage,
): Promise<() => Promise<{ beats: number[]; touches: number[] }>> {
  const p = page.puppeteerPage;
  await p.evaluate(() => {
    const seen = { beats: [] as number[], touches: [] as number[] };
    (window as unknown as { zbrSeen: typeof seen }).zbrSeen = seen;
    const report = window.zbrReport;
    const bot = window.zbrBot;
    if (!report || !bot) throw new Error('page not wired');
    window.zbrReport = (message) => {
      if (message.type === 'beat') seen.beats.push(performance.now());
      return report(message);
    };
    const touch = bot.touch.bind(bot);
    bot.touch = () => {
      seen.touches.push(performance.now());
      touch();
    };
  });
  return () =>
    p.evaluate(() => (window as unknown as { zbrSeen: { beats: number[]; touches: number[] } }).zbrSeen);
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] as number));

describe('page liveness (sim build, real Chromium)', () => {
  it('two pages in one Chromium each beat and are touched every 2 s: no timer throttling', async () => {
    const pool = makePool(0);
    const [a, b] = await Promise.all([pool.open('beat-a'), pool.open('beat-b')]);
    const counters = await Promise.all(
      ['beat-a', 'beat-b'].map((id) => countInPage(pool.pageOf(id) as PuppeteerBotPage)),
    );
    expect(a && b).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    for (const read of counters) {
      const { beats, touches } = await read();
      expect(beats.length).toBeGreaterThanOrEqual(4);
      expect(touches.length).toBeGreaterThanOrEqual(3);
      for (const gap of gaps(beats)) expect(gap).toBeGreaterThan(1_800);
      for (const gap of gaps(beats)) expect(gap).toBeLessThan(2_600);
      for (const gap of gaps(touches)) expect(gap).toBeLessThan(3_500);
    }
  });

  it('a warm page whose renderer stops is found hung in about 10 s, killed and dropped; its browser lives on', async () => {
    const pool = makePool(1);
    pool.topUp();
    await expect.poll(() => pool.warmPages().length, { timeout: 30_000 }).toBe(1);
    const warm = pool.warmPages()[0] as PuppeteerBotPage;
    const renderer = await rendererPid(warm.puppeteerPage);
    const hung: HungScope[] = [];
    pool.onHung((scope) => hung.push(scope));
    const browsers = pool.pids();

    expect(stop([renderer])).toEqual([renderer]);
    const stoppedAt = Date.now();
    await expect.poll(() => hung, { timeout: 16_000, interval: 200 }).toEqual(['page']);
    const detectedMs = Date.now() - stoppedAt;
    expect(detectedMs).toBeGreaterThan(7_000);
    expect(pool.warmPages()).toEqual([]);
    // Closing its context took the stopped renderer down with it.
    await expect.poll(() => isProcessRunning(renderer), { timeout: 5_000 }).toBe(false);
    // Same Chromium, still serving pages.
    const next = await pool.open('after-hang');
    expect(next).toBeDefined();
    expect(pool.pids()).toEqual(browsers);
    console.info(`page-liveness: stopped renderer found hung after ${detectedMs} ms`);
  });

  it('a whole Chromium stopped: each of its pages reports browserHung, its tree is killed, the next page comes from a new one', async () => {
    const pool = makePool(0);
    const [first, second] = await Promise.all([pool.open('frozen-1'), pool.open('frozen-2')]);
    if (!first || !second) throw new Error('no pages');
    const logs = [recordEvents(first), recordEvents(second)];
    const [browser] = pool.pids();
    const tree = stop(pool.processTree());
    const stoppedAt = Date.now();
    expect(tree).toContain(browser);
    for (const log of logs) {
      const hung = await log.waitFor((e) => e.type === 'hung', 20_000);
      expect(hung).toMatchObject({ type: 'hung', browserHung: true });
    }
    const detectedMs = Date.now() - stoppedAt;
    // Nothing else reported after the hang (no `crashed` when the killed browser disconnects).
    await expect.poll(() => tree.filter(isProcessRunning), { timeout: 10_000 }).toEqual([]);
    for (const log of logs) expect(log.events.map((e) => e.type)).toEqual(['hung']);

    const again = await pool.open('frozen-1');
    expect(again).toBeDefined();
    expect(pool.pids()).toHaveLength(1);
    expect(pool.pids()).not.toContain(browser);
    console.info(`page-liveness: stopped Chromium found hung and killed after ${detectedMs} ms`);
  });
});
