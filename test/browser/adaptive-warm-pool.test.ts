import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AdaptiveWarmOptions,
  BrowserPool,
  type BrowserPoolOptions,
} from '../../runner/browser/browser-pool.js';
import type { BotPageEvent } from '../../runner/supervisor/ports.js';
import { captureLogger } from '../helpers/capture-logger.js';

/**
 * The browser pool's warm-page logic with Chromium and its pages faked: what a worker's pool warms,
 * hands out and closes as bots come and go. Page loads end when the test says so (or at once).
 */
const fake = vi.hoisted(() => {
  class FakePage {
    static loads: Array<{ finish: () => void; page: FakePage }> = [];
    static autoLoad = true;
    static opened = 0;
    gone = false;
    private readonly goneListeners: Array<() => void> = [];
    readonly id = ++FakePage.opened;

    static async open(): Promise<FakePage> {
      const page = new FakePage();
      if (!FakePage.autoLoad) {
        await new Promise<void>((resolve) => FakePage.loads.push({ finish: resolve, page }));
      }
      return page;
    }

    async init(): Promise<void> {}

    onEvent(_listener: (event: BotPageEvent) => void): () => void {
      return () => {};
    }

    onceGone(listener: () => void): void {
      if (this.gone) listener();
      else this.goneListeners.push(listener);
    }

    async close(): Promise<void> {
      if (this.gone) return;
      this.gone = true;
      for (const listener of this.goneListeners.splice(0)) listener();
    }
  }
  const browser = () => ({
    connected: true,
    once: () => {},
    process: () => null,
    close: async () => {},
    version: async () => 'fake',
  });
  return { FakePage, browser };
});

vi.mock('../../runner/browser/puppeteer-bot-page.js', () => ({ PuppeteerBotPage: fake.FakePage }));
vi.mock('../../runner/browser/chromium-launcher.js', () => ({ launchChromium: async () => fake.browser() }));

const HOLD = 300_000;
const STEP = 30_000;
const pools: BrowserPool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
  fake.FakePage.autoLoad = true;
  fake.FakePage.loads = [];
  fake.FakePage.opened = 0;
});

/** `adaptive` is merged into a worker's settings (10 slots, the test's clock); `null`: none at all. */
function makePool(
  options: Partial<BrowserPoolOptions> = {},
  adaptive: Partial<AdaptiveWarmOptions> | null = {},
) {
  const clock = { now: 0 };
  // Free memory falls by 100 MB with each page open (warm or a bot's).
  const memory = { freeMb: 100_000 };
  const free = () => memory.freeMb - 100 * pool.stats().pages;
  const pool: BrowserPool = new BrowserPool({
    chromium: { executablePath: '/nonexistent/chromium' },
    sandbox: 'off',
    botsPerBrowser: 100,
    pageOrigin: 'http://127.0.0.1:9',
    sdk: 'sim',
    warmPages: 1,
    ...(adaptive
      ? {
          adaptive: {
            slots: 10,
            now: () => clock.now,
            checkEveryMs: 5,
            memory: { freeMb: free, minFreeMb: 512 },
            ...adaptive,
          },
        }
      : {}),
    loads: { concurrency: 2, turnCapMs: 60_000 },
    logger: captureLogger('silent').logger,
    ...options,
  });
  pools.push(pool);
  return { pool, clock, memory };
}

const warmCount = (pool: BrowserPool) => () => pool.stats().warm;
const openAll = (pool: BrowserPool, ids: string[]) => Promise.all(ids.map((id) => pool.open(id)));
const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);

describe('adaptive warm pool (Chromium faked)', () => {
  it('starts with the floor, warms as many pages as a burst of joins, and hands them to the next burst', async () => {
    // The join benchmark's worker: 25 slots, ten joins at a time.
    const { pool, clock } = makePool({}, { slots: 25 });
    await pool.start();
    await expect.poll(warmCount(pool)).toBe(1);

    const first = await openAll(pool, ids('first', 10));
    await expect.poll(warmCount(pool)).toBe(10);
    expect(pool.warmTarget()).toBe(10);
    await Promise.all(first.map((page) => page.close()));
    clock.now += 15_000;

    // The next ten all find a warm page: they are in while no load has finished.
    fake.FakePage.autoLoad = false;
    await expect(openAll(pool, ids('second', 10))).resolves.toHaveLength(10);
    expect(pool.stats().warm).toBe(0);
    // Meanwhile the replacements load, two at a time, warming for the burst after.
    expect(fake.FakePage.loads).toHaveLength(2);
    fake.FakePage.autoLoad = true;
    for (const load of fake.FakePage.loads.splice(0)) load.finish();
    await expect.poll(warmCount(pool)).toBe(10);
  });

  it('never keeps more warm pages than free slots, and warms more as bots leave', async () => {
    const { pool } = makePool();
    await pool.start();
    const pages = await openAll(pool, ids('bot', 8));
    // 10 slots, 8 bots: room for 2 more bots, so 2 warm pages, not 8.
    await expect.poll(warmCount(pool)).toBe(2);
    expect(pool.warmTarget()).toBe(2);
    await Promise.all(pages.slice(0, 5).map((page) => page.close()));
    await expect.poll(warmCount(pool)).toBe(7);
    await Promise.all(pages.slice(5).map((page) => page.close()));
    await expect.poll(warmCount(pool)).toBe(8);
  });

  it('keeps the floor when every slot is taken (a rejoin uses it)', async () => {
    const { pool } = makePool({ warmPages: 2 }, { slots: 4 });
    await pool.start();
    await openAll(pool, ids('bot', 4));
    await expect.poll(warmCount(pool)).toBe(2);
    expect(pool.warmTarget()).toBe(2);
  });

  it('after 5 idle minutes, closes one surplus page every 30 s, down to the floor', async () => {
    const { pool, clock } = makePool();
    await pool.start();
    const pages = await openAll(pool, ids('bot', 4));
    await Promise.all(pages.map((page) => page.close()));
    await expect.poll(warmCount(pool)).toBe(4);

    clock.now = HOLD - 1;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(pool.stats().warm).toBe(4);
    clock.now = HOLD;
    await expect.poll(warmCount(pool)).toBe(3);
    clock.now = HOLD + STEP;
    await expect.poll(warmCount(pool)).toBe(2);
    clock.now = HOLD + 10 * STEP;
    await expect.poll(warmCount(pool)).toBe(1);
    // The floor stays, and no page is closed or loaded past it.
    const opened = fake.FakePage.opened;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(pool.stats()).toMatchObject({ warm: 1, pages: 1 });
    expect(fake.FakePage.opened).toBe(opened);
  });

  it('warms no surplus under the memory gate, and closes the surplus when memory runs short', async () => {
    const { pool, memory } = makePool();
    // 930 MB free before any page, a 512 MB gate, 100 MB a page: 4 pages fit above the gate; with
    // one page's worth kept spare, 3 warm pages at most, whatever the burst asked for.
    memory.freeMb = 930;
    await pool.start();
    const pages = await openAll(pool, ids('bot', 6));
    await Promise.all(pages.map((page) => page.close()));
    await expect.poll(warmCount(pool)).toBe(3);
    expect(pool.warmTarget()).toBe(3);
    memory.freeMb = 100_000;
    await expect.poll(warmCount(pool)).toBe(6);
    // Below the gate: back to the floor.
    memory.freeMb = 400;
    await expect.poll(warmCount(pool)).toBe(1);
  });

  it('WORKER_WARM_PAGES_MAX caps the pages kept after a burst', async () => {
    const { pool } = makePool({}, { slots: 25, max: 3 });
    await pool.start();
    await openAll(pool, ids('bot', 10));
    await expect.poll(warmCount(pool)).toBe(3);
  });

  it("loads bots' pages before warm ones, and a page warmed meanwhile goes to a waiting bot", async () => {
    fake.FakePage.autoLoad = false;
    const { pool } = makePool({ loads: { concurrency: 1, turnCapMs: 60_000 } });
    const started = pool.start();
    // The floor's warm-up is loading; the bot queues behind it for the one turn.
    await expect.poll(() => fake.FakePage.loads.length).toBe(1);
    await started;
    const opening = pool.open('bot-1');
    const warmUp = fake.FakePage.loads.shift();
    warmUp?.finish();
    const page = await opening;
    // The bot got the page warmed for the pool: its own load never started.
    expect((page as unknown as { id: number }).id).toBe(warmUp?.page.id);
    // Then one replacement loads, warm for the next bot.
    await expect.poll(() => fake.FakePage.loads.length).toBe(1);
    expect(fake.FakePage.opened).toBe(2);
  });

  it('without `adaptive`, keeps exactly WORKER_WARM_PAGES whatever the demand', async () => {
    const { pool } = makePool({ warmPages: 1 }, null);
    await pool.start();
    await openAll(pool, ids('bot', 5));
    await expect.poll(warmCount(pool)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(pool.stats().warm).toBe(1);
    expect(pool.warmTarget()).toBe(1);
  });

  it('close() fails the opens still waiting for a turn and leaves no warm-up behind', async () => {
    fake.FakePage.autoLoad = false;
    const { pool } = makePool({ loads: { concurrency: 1, turnCapMs: 60_000 } });
    void pool.start();
    await expect.poll(() => fake.FakePage.loads.length).toBe(1);
    const waiting = pool.open('bot-late');
    await pool.close();
    await expect(waiting).rejects.toMatchObject({ code: 'page_closed' });
  });
});
