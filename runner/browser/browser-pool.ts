import type { Browser } from 'puppeteer-core';
import type { PageInitOptions } from '../../shared/bridge.js';
import type { Logger } from '../log/logger.js';
import type { PageSource } from '../supervisor/ports.js';
import { PAGE_PATHS, type PageSdk } from '../web/page-routes.js';
import type { BotPage } from './bot-page.js';
import { type ChromiumOptions, launchChromium } from './chromium-launcher.js';
import { processTree } from './chromium-processes.js';
import { BotPageError } from './page-errors.js';
import { PuppeteerBotPage } from './puppeteer-bot-page.js';

export interface BrowserPoolOptions {
  /** CHROMIUM_PATH and CHROMIUM_ARGS. */
  chromium: ChromiumOptions;
  /** BOTS_PER_BROWSER: pages (warm ones included) sharing one Chromium process. */
  botsPerBrowser: number;
  /** Origin that serves the page builds and the real SDK's assets (the worker's own HTTP server). */
  pageOrigin: string;
  /** Which page build the bots load: `zoom` (the real SDK) or `sim`. */
  sdk: PageSdk;
  /** Sim mode: the sim's `host:port`. Zoom mode: unset (the SDK's default, zoom.us). */
  webEndpoint?: string;
  /** Pages kept loaded and initialised ahead of demand. Default 1. */
  warmPages?: number;
  /** How long a page may take to load and say `ready`. Default 15 000 ms. */
  readyTimeoutMs?: number;
  /** How long the SDK may take to initialise. Default 30 000 ms. */
  initTimeoutMs?: number;
  /** Past this after a graceful close, the Chromium process is killed. Default 5 000 ms. */
  hardKillAfterMs?: number;
  logger: Logger;
}

export interface BrowserPoolStats {
  /** Chromium processes running. */
  browsers: number;
  /** Pages open in them, warm ones included. */
  pages: number;
  /** Pages loaded and initialised, waiting for a bot. */
  warm: number;
}

interface PooledBrowser {
  browser: Browser;
  /** Pages in this browser, counted from the moment a slot is reserved. */
  pages: number;
}

interface WarmPage {
  page: PuppeteerBotPage;
  /** Stops watching for a crash while warm (the bot's supervisor watches from then on). */
  unwatch: () => void;
}

/**
 * Chromium processes shared by a worker's bots, each bot in its own browser context (no bot can read
 * another's storage or tokens), with a few pages kept warm — loaded and with the SDK initialised — so
 * a join waits only for minting and Zoom. Chromium starts on first use; a process that dies takes its
 * pages with it (they report `crashed`) and the next `open` launches a fresh one.
 */
export class BrowserPool implements PageSource {
  private readonly browsers: PooledBrowser[] = [];
  private readonly warm: WarmPage[] = [];
  private readonly pages = new Set<PuppeteerBotPage>();
  private readonly byBot = new Map<string, PuppeteerBotPage>();
  private readonly pageUrl: string;
  private readonly init: PageInitOptions;
  private launching: Promise<void> | undefined;
  private warming = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BrowserPoolOptions) {
    if (!Number.isInteger(options.botsPerBrowser) || options.botsPerBrowser < 1) {
      throw new RangeError(`botsPerBrowser must be a positive integer, not ${options.botsPerBrowser}`);
    }
    const origin = new URL(options.pageOrigin).origin;
    this.pageUrl = origin + PAGE_PATHS.page(options.sdk);
    // The real SDK resolves its workers and wasm against assetPath from inside a blob worker, where a
    // relative path does not resolve: it must be absolute.
    this.init = {
      assetPath: origin + PAGE_PATHS.sdkAssets,
      ...(options.webEndpoint !== undefined ? { webEndpoint: options.webEndpoint } : {}),
    };
  }

  /** Hands out a warm page if one is ready, else makes one; then warms a replacement. */
  async open(botId: string): Promise<BotPage> {
    if (this.closing) throw new BotPageError('page_closed', 'browser pool is closed');
    const warm = this.warm.shift();
    warm?.unwatch();
    const page = warm?.page ?? (await this.createPage());
    this.byBot.set(botId, page);
    page.onceGone(() => {
      if (this.byBot.get(botId) === page) this.byBot.delete(botId);
    });
    this.topUp();
    return page;
  }

  /** The page a bot has now, for diagnostics (a screenshot of what the bot sees) and tests. */
  pageOf(botId: string): PuppeteerBotPage | undefined {
    return this.byBot.get(botId);
  }

  /** Starts warming pages up to the target; failures only log (the next open makes its own). */
  topUp(): void {
    const target = this.options.warmPages ?? 1;
    while (!this.closing && this.warm.length + this.warming < target) {
      this.warming++;
      const startedAt = Date.now();
      this.createPage()
        .then((page) => {
          if (this.closing) return void page.close();
          this.keepWarm(page);
          this.options.logger.debug({ warmMs: Date.now() - startedAt }, 'page warmed');
        })
        .catch((error: Error) => this.options.logger.warn({ err: error.message }, 'could not warm a page'))
        .finally(() => {
          this.warming--;
        });
    }
  }

  /** A warm page whose renderer crashes or whose browser dies is dropped, not handed to a bot. */
  private keepWarm(page: PuppeteerBotPage): void {
    const entry: WarmPage = { page, unwatch: () => {} };
    const drop = () => {
      const index = this.warm.indexOf(entry);
      if (index < 0) return;
      this.warm.splice(index, 1);
      entry.unwatch();
      // No top-up here: a Chromium that keeps crashing would be relaunched in a loop. The next
      // `open` launches a fresh one and warms a replacement.
      void page.close();
    };
    entry.unwatch = page.onEvent((event) => {
      if (event.type === 'crashed' || event.type === 'closed') drop();
    });
    page.onceGone(drop);
    this.warm.push(entry);
  }

  private async createPage(): Promise<PuppeteerBotPage> {
    const slot = await this.reserveSlot();
    let page: PuppeteerBotPage;
    try {
      page = await PuppeteerBotPage.open(slot.browser, {
        pageUrl: this.pageUrl,
        logger: this.options.logger,
        ...(this.options.readyTimeoutMs !== undefined ? { readyTimeoutMs: this.options.readyTimeoutMs } : {}),
      });
    } catch (error) {
      slot.pages--;
      throw error;
    }
    this.pages.add(page);
    page.onceGone(() => {
      slot.pages--;
      this.pages.delete(page);
    });
    try {
      await page.init(this.init, this.options.initTimeoutMs);
    } catch (error) {
      await page.close();
      throw error;
    }
    return page;
  }

  /**
   * A browser with room, its page count already raised: the check and the count happen in one
   * synchronous step, so concurrent opens never put more than `botsPerBrowser` pages in one process.
   */
  private async reserveSlot(): Promise<PooledBrowser> {
    for (;;) {
      if (this.closing) throw new BotPageError('page_closed', 'browser pool is closed');
      const open = this.browsers.find((b) => b.browser.connected && b.pages < this.options.botsPerBrowser);
      if (open) {
        open.pages++;
        return open;
      }
      // One launch at a time: concurrent opens share the browser it brings, then launch again if full.
      this.launching ??= this.launch().finally(() => {
        this.launching = undefined;
      });
      await this.launching;
    }
  }

  private async launch(): Promise<void> {
    const browser = await launchChromium(this.options.chromium);
    const slot: PooledBrowser = { browser, pages: 0 };
    this.browsers.push(slot);
    browser.once('disconnected', () => {
      const index = this.browsers.indexOf(slot);
      if (index >= 0) this.browsers.splice(index, 1);
      if (!this.closing) this.options.logger.warn({ pid: browser.process()?.pid }, 'Chromium process gone');
    });
    this.options.logger.debug({ pid: browser.process()?.pid }, 'Chromium launched');
  }

  /** PIDs of this pool's Chromium browser processes (one per browser, children not included). */
  pids(): number[] {
    return this.browsers.flatMap(({ browser }) => {
      const pid = browser.process()?.pid;
      return pid !== undefined ? [pid] : [];
    });
  }

  /**
   * Every process of this pool's Chromium trees (browsers, zygotes, renderers, GPU and utility
   * processes). List it while the pool runs; after `close()` none of them may remain.
   */
  processTree(): number[] {
    return processTree(this.pids());
  }

  stats(): BrowserPoolStats {
    return {
      browsers: this.browsers.length,
      pages: this.browsers.reduce((sum, b) => sum + b.pages, 0),
      warm: this.warm.length,
    };
  }

  /**
   * Closes every page (warm or a bot's), then every Chromium, each gracefully and then killed if it
   * has not exited in time. Idempotent. Bots should have left their meetings before this.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // A launch in flight lands in `browsers` and is closed with the rest.
      await this.launching?.catch(() => {});
      for (const { unwatch } of this.warm.splice(0)) unwatch();
      await Promise.allSettled([...this.pages].map((page) => page.close()));
      const hardKillAfterMs = this.options.hardKillAfterMs ?? 5_000;
      await Promise.allSettled(
        this.browsers.splice(0).map(({ browser }) => closeChromium(browser, hardKillAfterMs)),
      );
    })();
    return this.closing;
  }
}

/**
 * Asks Chromium to close (it exits within about a second here), and kills its process if it has not
 * exited `hardKillAfterMs` later: a hung DevTools pipe would otherwise hold `close()` for the whole
 * protocol timeout (30 s), and a browser left running is a ghost bot. The timer is `unref()`'d so it
 * never keeps a finished process alive.
 */
async function closeChromium(browser: Browser, hardKillAfterMs: number): Promise<void> {
  const child = browser.process();
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    await browser.close().catch(() => {});
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), hardKillAfterMs);
  timer.unref();
  try {
    await Promise.race([browser.close(), exited]);
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
  clearTimeout(timer);
}
