import type { Browser } from 'puppeteer-core';
import type { PageInitOptions } from '../../shared/bridge.js';
import { PrerequisiteError } from '../lifecycle/prerequisite-error.js';
import type { Logger } from '../log/logger.js';
import type { BotPage, PageSource } from '../supervisor/ports.js';
import { PAGE_PATHS, type PageSdk } from '../web/page-routes.js';
import { BrowserLiveness } from './browser-liveness.js';
import { type ChromiumOptions, launchChromium } from './chromium-launcher.js';
import { chromiumChildrenOf, processTree } from './chromium-processes.js';
import {
  isSandboxFailure,
  type SandboxChoice,
  type SandboxMode,
  sandboxFallback,
  sandboxPlan,
} from './chromium-sandbox.js';
import { BotPageError } from './page-errors.js';
import { PageLoadQueue, type PageLoadQueueOptions, type QueuedLoad } from './page-load-queue.js';
import { PuppeteerBotPage } from './puppeteer-bot-page.js';
import { memoryPageBound, WarmPoolTarget, type WarmPoolTargetOptions } from './warm-pool-target.js';

export interface BrowserPoolOptions {
  /** CHROMIUM_PATH and CHROMIUM_ARGS. */
  chromium: ChromiumOptions;
  /** CHROMIUM_SANDBOX (default `auto`): decided at the first launch, kept for every later one. */
  sandbox?: SandboxMode;
  /** BOTS_PER_BROWSER: pages (warm ones included) sharing one Chromium process. */
  botsPerBrowser: number;
  /** Origin that serves the page builds and the real SDK's assets (the worker's own HTTP server). */
  pageOrigin: string;
  /** Which page build the bots load: `zoom` (the real SDK) or `sim`. */
  sdk: PageSdk;
  /** Sim mode: the sim's `host:port`. Zoom mode: unset (the SDK's default, zoom.us). */
  webEndpoint?: string;
  /** Pages kept loaded and initialised ahead of demand. Default 1. With `adaptive`, the floor. */
  warmPages?: number;
  /**
   * A worker's adaptive warm pool (docs/contract.md §2): above `warmPages`, as many warm pages as the
   * recent bursts of opens asked for, within the free slots and the memory gate. Unset: exactly
   * `warmPages` (tests and benchmarks that count pages).
   */
  adaptive?: AdaptiveWarmOptions;
  /** How many pages load at once, bots' first (PageLoadQueue). */
  loads?: PageLoadQueueOptions;
  /** How long a page may take to load and say `ready`. Default 15 000 ms. */
  readyTimeoutMs?: number;
  /** How long the SDK may take to initialise. Default 30 000 ms. */
  initTimeoutMs?: number;
  /** Past this after a graceful close, the Chromium process is killed. Default 5 000 ms. */
  hardKillAfterMs?: number;
  logger: Logger;
}

export interface AdaptiveWarmOptions
  extends Pick<WarmPoolTargetOptions, 'max' | 'burstWindowMs' | 'holdMs' | 'shrinkEveryMs' | 'now'> {
  /** WORKER_CONCURRENCY: warm pages above the floor never outnumber the slots still free for bots. */
  slots: number;
  /** WORKER_MIN_FREE_MEMORY_MB and how to read free memory: surplus pages stay above the gate. */
  memory?: {
    freeMb: () => number;
    minFreeMb: number;
    /** What a warm page is reckoned to cost. Default 100 MB (a real-SDK page, bench density). */
    pageMb?: number;
  };
  /** How often the target is checked between opens (idle shrink, freed slots, retries). Default 2 000 ms. */
  checkEveryMs?: number;
}

/** After this long without a failed warm-up, the retry backoff starts again from its shortest. */
const WARM_FAILURES_FORGOTTEN_MS = 300_000;
const WARM_RETRY_MAX_MS = 60_000;

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
  /** Shared by its pages; once it is hung the browser gets no new pages (docs/contract.md §12). */
  liveness: BrowserLiveness;
}

/** Which a hung page took down: its own context, or its whole Chromium. */
export type HungScope = 'page' | 'browser';

interface WarmPage {
  page: PuppeteerBotPage;
  /** Stops watching for a crash while warm (the bot's supervisor watches from then on). */
  unwatch: () => void;
}

/** An open with no warm page, queued for its turn to load one: a page warmed meanwhile goes to it. */
interface WaitingOpen {
  queued: QueuedLoad | undefined;
  resolve: (page: PuppeteerBotPage) => void;
  reject: (error: Error) => void;
}

/**
 * Chromium processes shared by a worker's bots, each bot in its own browser context (no bot can read
 * another's storage or tokens), with a few pages kept warm — loaded and with the SDK initialised — so
 * a join waits only for minting and Zoom. How many: `warmPages`, or with `adaptive` as many as the
 * last burst of opens within free slots and memory (WarmPoolTarget). Pages load a few at a time, bots'
 * first (PageLoadQueue). Chromium starts on first use; a process that dies takes its pages with it
 * (they report `crashed`) and the next `open` launches a fresh one.
 */
export class BrowserPool implements PageSource {
  private readonly browsers: PooledBrowser[] = [];
  private readonly warm: WarmPage[] = [];
  private readonly pages = new Set<PuppeteerBotPage>();
  private readonly byBot = new Map<string, PuppeteerBotPage>();
  private readonly pageUrl: string;
  private readonly init: PageInitOptions;
  private launching: Promise<void> | undefined;
  private readonly hungListeners = new Set<(scope: HungScope) => void>();
  /** Warm-ups started or queued and not yet ended. */
  private warming = 0;
  /** Warm-ups still waiting for their turn (cancelled first when the target falls). */
  private readonly queuedWarmUps: QueuedLoad[] = [];
  private readonly waitingOpens: WaitingOpen[] = [];
  /** Opens between their call and their page (they hold a slot already). */
  private opening = 0;
  private readonly loads: PageLoadQueue;
  private readonly warmTargets: WarmPoolTarget;
  private readonly now: () => number;
  private checkTimer: NodeJS.Timeout | undefined;
  private lastTarget: number | undefined;
  private warmFailures = 0;
  private lastWarmFailureAt = Number.NEGATIVE_INFINITY;
  /** No warm-up is started by a check before this (an open starts them anyway). */
  private warmRetryAt = Number.NEGATIVE_INFINITY;
  private closing: Promise<void> | undefined;
  private sandboxChoice: SandboxChoice | undefined;

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
    const floor = options.warmPages ?? 1;
    const adaptive = options.adaptive;
    if (adaptive && (!Number.isInteger(adaptive.slots) || adaptive.slots < 1)) {
      throw new RangeError(`adaptive.slots must be a positive integer, not ${adaptive.slots}`);
    }
    this.now = adaptive?.now ?? Date.now;
    // Without `adaptive`, a cap at the floor: the target is the floor whatever the demand.
    this.warmTargets = new WarmPoolTarget(
      adaptive
        ? {
            floor,
            now: this.now,
            ...(adaptive.max !== undefined ? { max: adaptive.max } : {}),
            ...(adaptive.burstWindowMs !== undefined ? { burstWindowMs: adaptive.burstWindowMs } : {}),
            ...(adaptive.holdMs !== undefined ? { holdMs: adaptive.holdMs } : {}),
            ...(adaptive.shrinkEveryMs !== undefined ? { shrinkEveryMs: adaptive.shrinkEveryMs } : {}),
          }
        : { floor, max: floor },
    );
    this.loads = new PageLoadQueue(options.loads);
  }

  /**
   * Launches the first Chromium and starts warming pages, so a Chromium that cannot run stops the
   * process at start-up (`chromium_unusable`) instead of failing the first bot long after "ready".
   */
  async start(): Promise<void> {
    try {
      await this.reserveLaunch();
    } catch (error) {
      throw new PrerequisiteError(
        'chromium_unusable',
        `Chromium at CHROMIUM_PATH=${this.options.chromium.executablePath} could not be launched: ${(error as Error).message.split('\n')[0]}`,
      );
    }
    this.topUp();
    const adaptive = this.options.adaptive;
    if (adaptive && !this.closing) {
      // Between opens: shrink when idle, warm for slots that bots freed, retry a failed warm-up.
      this.checkTimer = setInterval(() => this.adjust(false), adaptive.checkEveryMs ?? 2_000);
      this.checkTimer.unref();
    }
  }

  /**
   * Hands out a warm page if one is ready, else queues to load one (a page warmed meanwhile is handed
   * over instead); warm replacements are queued at once, behind the bots waiting for a page.
   */
  async open(botId: string): Promise<BotPage> {
    if (this.closing) throw new BotPageError('page_closed', 'browser pool is closed');
    this.warmTargets.recordOpen();
    this.opening++;
    let page: PuppeteerBotPage;
    try {
      const pending = this.pageForBot();
      this.adjust(true);
      page = await pending;
    } finally {
      this.opening--;
    }
    this.byBot.set(botId, page);
    page.onceGone(() => {
      if (this.byBot.get(botId) === page) this.byBot.delete(botId);
    });
    return page;
  }

  private pageForBot(): Promise<PuppeteerBotPage> {
    const warm = this.warm.shift();
    if (warm) {
      warm.unwatch();
      this.warmFailures = 0;
      return Promise.resolve(warm.page);
    }
    return new Promise((resolve, reject) => {
      const waiting: WaitingOpen = { queued: undefined, resolve, reject };
      this.waitingOpens.push(waiting);
      waiting.queued = this.loads.enter('bot', (done) => {
        const index = this.waitingOpens.indexOf(waiting);
        if (index >= 0) this.waitingOpens.splice(index, 1);
        this.createPage().then(resolve, reject).finally(done);
      });
    });
  }

  /** A page just warmed goes to the first open still waiting for its turn, else into the pool. */
  private deliverWarm(page: PuppeteerBotPage): void {
    for (let waiting = this.waitingOpens.shift(); waiting; waiting = this.waitingOpens.shift()) {
      if (waiting.queued?.cancel()) {
        this.warmFailures = 0;
        waiting.resolve(page);
        return;
      }
    }
    this.keepWarm(page);
  }

  /** Called for every page found hung, warm ones included (the worker counts them in its metrics). */
  onHung(listener: (scope: HungScope) => void): () => void {
    this.hungListeners.add(listener);
    return () => this.hungListeners.delete(listener);
  }

  /** The pages kept warm now, for diagnostics and tests. */
  warmPages(): PuppeteerBotPage[] {
    return this.warm.map(({ page }) => page);
  }

  /** The page a bot has now, for diagnostics (a screenshot of what the bot sees) and tests. */
  pageOf(botId: string): PuppeteerBotPage | undefined {
    return this.byBot.get(botId);
  }

  /**
   * Starts warming pages up to the target now, even while failed warm-ups are being backed off (as an
   * open does); failures only log (the next open makes its own page).
   */
  topUp(): void {
    this.adjust(true);
  }

  /** The number of pages the pool is warming towards now (the floor without `adaptive`). */
  warmTarget(): number {
    return this.currentTarget();
  }

  private currentTarget(): number {
    const adaptive = this.options.adaptive;
    // At or under the floor, nothing else matters: no slot count, no memory read.
    if (!adaptive || this.warmTargets.demand() <= this.warmTargets.floor) {
      return this.warmTargets.target({ freeSlots: 0, memoryPages: 0 });
    }
    const memory = adaptive.memory;
    return this.warmTargets.target({
      freeSlots: adaptive.slots - this.byBot.size - this.opening,
      memoryPages: memory
        ? memoryPageBound({
            freeMb: memory.freeMb(),
            minFreeMb: memory.minFreeMb,
            pageMb: memory.pageMb ?? 100,
            warmNow: this.warm.length,
          })
        : Number.POSITIVE_INFINITY,
    });
  }

  /**
   * Brings the warm pages towards the target: a surplus goes (queued warm-ups first, then the pages
   * warm longest), a shortfall is queued for warming. `force` (an open, `topUp`) ignores the backoff
   * after failed warm-ups.
   */
  private adjust(force: boolean): void {
    if (this.closing) return;
    const target = this.currentTarget();
    if (target !== this.lastTarget) {
      this.options.logger.debug({ warmTarget: target, warm: this.warm.length }, 'warm pool target');
      this.lastTarget = target;
    }
    let have = this.warm.length + this.warming;
    while (have > target && this.queuedWarmUps.length > 0) {
      if ((this.queuedWarmUps.pop() as QueuedLoad).cancel()) {
        this.warming--;
        have--;
      }
    }
    // Only pages already warm are closed for a surplus: one still loading may yet fail.
    while (this.warm.length > target) {
      const entry = this.warm.shift() as WarmPage;
      entry.unwatch();
      void entry.page.close();
      have--;
    }
    if (!force && this.now() < this.warmRetryAt) return;
    for (; have < target; have++) this.startWarmUp();
  }

  private startWarmUp(): void {
    this.warming++;
    // `start` runs within `enter` when a turn is free: `queued` is not assigned yet then.
    let started = false;
    let queued: QueuedLoad | undefined;
    queued = this.loads.enter('warm', (done) => {
      started = true;
      const index = queued ? this.queuedWarmUps.indexOf(queued) : -1;
      if (index >= 0) this.queuedWarmUps.splice(index, 1);
      const startedAt = Date.now();
      this.createPage().then(
        (page) => {
          this.warming--;
          if (this.closing) {
            done();
            return void page.close();
          }
          this.options.logger.debug({ warmMs: Date.now() - startedAt }, 'page warmed');
          // Handed over before the turn is passed on: the turn would start the waiting bot's own load.
          this.deliverWarm(page);
          done();
          this.adjust(false);
        },
        (error: Error) => {
          this.warming--;
          done();
          if (this.closing) return;
          this.options.logger.warn({ err: error.message }, 'could not warm a page');
          this.noteWarmFailure();
        },
      );
    });
    if (!started) this.queuedWarmUps.push(queued);
  }

  /** Checks stop warming for a while after failures (1 s, doubling up to 60 s): no relaunch loop. */
  private noteWarmFailure(): void {
    const now = this.now();
    if (now - this.lastWarmFailureAt > WARM_FAILURES_FORGOTTEN_MS) this.warmFailures = 0;
    this.warmFailures++;
    this.lastWarmFailureAt = now;
    this.warmRetryAt = now + Math.min(WARM_RETRY_MAX_MS, 1_000 * 2 ** (this.warmFailures - 1));
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
      // `open` launches a fresh one and warms a replacement; checks wait out the backoff first.
      this.noteWarmFailure();
      void page.close();
    };
    entry.unwatch = page.onEvent((event) => {
      if (event.type === 'crashed' || event.type === 'closed' || event.type === 'hung') drop();
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
        browserLiveness: slot.liveness,
        ...(this.options.readyTimeoutMs !== undefined ? { readyTimeoutMs: this.options.readyTimeoutMs } : {}),
      });
    } catch (error) {
      slot.pages--;
      throw error;
    }
    this.pages.add(page);
    page.onEvent((event) => {
      if (event.type !== 'hung') return;
      const scope: HungScope = event.browserHung ? 'browser' : 'page';
      this.options.logger.warn({ scope, botId: this.botOf(page), why: event.message }, 'bot page hung');
      for (const listener of this.hungListeners) listener(scope);
    });
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
      const open = this.browsers.find(
        (b) => b.browser.connected && !b.liveness.hung && b.pages < this.options.botsPerBrowser,
      );
      if (open) {
        open.pages++;
        return open;
      }
      await this.reserveLaunch();
    }
  }

  /** One launch at a time: concurrent opens share the browser it brings, then launch again if full. */
  private reserveLaunch(): Promise<void> {
    this.launching ??= this.launch().finally(() => {
      this.launching = undefined;
    });
    return this.launching;
  }

  /** What the launches got: Chromium's sandbox on or off, and why (undefined before the first launch). */
  sandbox(): SandboxChoice | undefined {
    return this.sandboxChoice;
  }

  private async launchChromium(): Promise<Browser> {
    const chromium = this.options.chromium;
    if (this.sandboxChoice) return launchChromium({ ...chromium, sandbox: this.sandboxChoice.sandbox });
    const plan = sandboxPlan(this.options.sandbox ?? 'auto', process.getuid?.() ?? 0);
    let choice = plan.first;
    let browser: Browser;
    try {
      browser = await launchChromium({ ...chromium, sandbox: choice.sandbox });
    } catch (error) {
      if (!plan.fallback || !isSandboxFailure(error)) throw error;
      choice = sandboxFallback(error);
      browser = await launchChromium({ ...chromium, sandbox: false });
    }
    this.sandboxChoice = choice;
    // A sandbox `auto` had to give up on is worth an operator's attention: warn, not info.
    const level = plan.fallback && !choice.sandbox ? 'warn' : 'info';
    this.options.logger[level]({ sandbox: choice.sandbox, why: choice.why }, 'Chromium sandbox');
    return browser;
  }

  private async launch(): Promise<void> {
    const browser = await this.launchChromium();
    const liveness = new BrowserLiveness(browser, { logger: this.options.logger });
    const slot: PooledBrowser = { browser, pages: 0, liveness };
    this.browsers.push(slot);
    browser.once('disconnected', () => {
      const index = this.browsers.indexOf(slot);
      if (index >= 0) this.browsers.splice(index, 1);
      if (!this.closing) this.options.logger.warn({ pid: browser.process()?.pid }, 'Chromium process gone');
    });
    this.options.logger.debug({ pid: browser.process()?.pid }, 'Chromium launched');
  }

  private botOf(page: PuppeteerBotPage): string | undefined {
    for (const [botId, held] of this.byBot) if (held === page) return botId;
    return undefined;
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

  /**
   * SIGKILLs every process of every Chromium tree now, synchronously: for a process that exits without
   * a graceful close (a stop past its deadline). Chromium dies with its pipe, but a frozen (SIGSTOPped)
   * renderer would not notice, and a copy of a bot must never outlive its worker.
   */
  killNow(): void {
    for (const pid of processTree([...this.pids(), ...chromiumChildrenOf(process.pid)])) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
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
      clearInterval(this.checkTimer);
      for (const queued of this.queuedWarmUps.splice(0)) if (queued.cancel()) this.warming--;
      for (const waiting of this.waitingOpens.splice(0)) {
        if (waiting.queued?.cancel())
          waiting.reject(new BotPageError('page_closed', 'browser pool is closed'));
      }
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
