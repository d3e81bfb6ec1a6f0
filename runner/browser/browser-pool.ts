import type { Browser } from 'puppeteer-core';
import type { PageInitOptions } from '../../shared/bridge.js';
import type { Logger } from '../log/logger.js';
import type { PageSource } from '../supervisor/ports.js';
import type { BotPage } from './bot-page.js';
import { type ChromiumOptions, launchChromium } from './chromium-launcher.js';
import { PuppeteerBotPage } from './puppeteer-bot-page.js';

export interface BrowserPoolOptions {
  chromium: ChromiumOptions;
  /** BOTS_PER_BROWSER: pages (warm ones included) sharing one Chromium process. */
  botsPerBrowser: number;
  /** Absolute URL of the page build the bots use. */
  pageUrl: string;
  init: PageInitOptions;
  /** Pages kept loaded and initialised ahead of demand. */
  warmPages?: number;
  logger: Logger;
}

interface PooledBrowser {
  browser: Browser;
  pages: number;
}

/** Chromium closes within a second when asked; past this its process is killed. */
const HARD_KILL_AFTER_MS = 5_000;

/**
 * Chromium processes shared by a worker's bots, each bot in its own browser context (no bot can read
 * another's storage or tokens), with a few pages kept warm — loaded and with the SDK initialised — so
 * a join waits only for minting and Zoom.
 */
export class BrowserPool implements PageSource {
  private readonly browsers: PooledBrowser[] = [];
  private readonly warm: PuppeteerBotPage[] = [];
  private readonly byBot = new Map<string, PuppeteerBotPage>();
  private launching: Promise<PooledBrowser> | undefined;
  private warming = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BrowserPoolOptions) {}

  /** Hands out a warm page if one is ready, else makes one; then warms a replacement. */
  async open(botId: string): Promise<BotPage> {
    if (this.closing) throw new Error('browser pool is closed');
    const page = this.warm.shift() ?? (await this.createPage());
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
      this.createPage()
        .then((page) => {
          if (this.closing) void page.close();
          else this.warm.push(page);
        })
        .catch((error: Error) => this.options.logger.warn({ err: error.message }, 'could not warm a page'))
        .finally(() => {
          this.warming--;
        });
    }
  }

  private async createPage(): Promise<PuppeteerBotPage> {
    const slot = await this.browserWithRoom();
    slot.pages++;
    let page: PuppeteerBotPage;
    try {
      page = await PuppeteerBotPage.open(slot.browser, {
        pageUrl: this.options.pageUrl,
        logger: this.options.logger,
      });
    } catch (error) {
      slot.pages--;
      throw error;
    }
    page.onceGone(() => {
      slot.pages--;
    });
    try {
      await page.init(this.options.init);
    } catch (error) {
      await page.close();
      throw error;
    }
    return page;
  }

  private async browserWithRoom(): Promise<PooledBrowser> {
    const open = this.browsers.find((b) => b.browser.connected && b.pages < this.options.botsPerBrowser);
    if (open) return open;
    // One launch at a time: concurrent joins share the browser it brings.
    this.launching ??= this.launch().finally(() => {
      this.launching = undefined;
    });
    const launched = await this.launching;
    return launched.pages < this.options.botsPerBrowser ? launched : this.browserWithRoom();
  }

  private async launch(): Promise<PooledBrowser> {
    const browser = await launchChromium(this.options.chromium);
    const slot: PooledBrowser = { browser, pages: 0 };
    this.browsers.push(slot);
    browser.once('disconnected', () => {
      const index = this.browsers.indexOf(slot);
      if (index >= 0) this.browsers.splice(index, 1);
      for (const page of this.warm.filter((p) => p.puppeteerPage.browser() === browser)) {
        this.warm.splice(this.warm.indexOf(page), 1);
      }
      if (!this.closing) this.options.logger.warn({ pid: browser.process()?.pid }, 'Chromium process gone');
    });
    return slot;
  }

  /** PIDs of this pool's Chromium browser processes. */
  pids(): number[] {
    return this.browsers.flatMap((b) =>
      b.browser.process()?.pid ? [b.browser.process()?.pid as number] : [],
    );
  }

  stats(): { browsers: number; pages: number; warm: number } {
    return {
      browsers: this.browsers.length,
      pages: this.browsers.reduce((sum, b) => sum + b.pages, 0),
      warm: this.warm.length,
    };
  }

  /** Closes warm pages, then every Chromium (killed if it does not exit in time). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled(this.warm.splice(0).map((page) => page.close()));
      await Promise.allSettled(
        this.browsers.splice(0).map(async ({ browser }) => {
          const child = browser.process();
          const timer = setTimeout(() => child?.kill('SIGKILL'), HARD_KILL_AFTER_MS);
          timer.unref();
          try {
            await browser.close();
          } finally {
            clearTimeout(timer);
          }
        }),
      );
    })();
    return this.closing;
  }
}
