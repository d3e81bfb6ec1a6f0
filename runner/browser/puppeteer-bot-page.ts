import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import {
  type PageChatRequest,
  type PageInitOptions,
  type PageJoinParams,
  type PageMessage,
  pageMessageSchema,
  REPORT_FUNCTION,
} from '../../shared/bridge.js';
import type { Logger } from '../log/logger.js';
import type { BotPage, BotPageEvent } from '../supervisor/ports.js';
import { BrowserLiveness } from './browser-liveness.js';
import { BotPageError } from './page-errors.js';
import {
  DEFAULT_LIVENESS_TIMINGS,
  describeHangSign,
  type HangSign,
  LIVENESS_TICK_MS,
  type LivenessTimings,
  PageLivenessMonitor,
  settleHang,
} from './page-liveness.js';

export interface OpenBotPageOptions {
  /** Absolute URL of the page build (`…/bot/zoom/index.html` or `…/bot/sim/index.html`). */
  pageUrl: string;
  logger: Logger;
  /** How long the page may take to load and say `ready`. */
  readyTimeoutMs?: number;
  /** The browser's shared liveness (the pool keeps one per Chromium); one of its own when unset. */
  browserLiveness?: BrowserLiveness;
  livenessTimings?: LivenessTimings;
}

/** A hung page's context that has not closed in this long: its browser is treated as hung. */
const HUNG_CLOSE_TIMEOUT_MS = 5_000;
/** The SDK answers a `sendChat` within a round trip to Zoom; longer means it never will. */
const CHAT_TIMEOUT_MS = 10_000;

/**
 * One bot's page, in its own browser context so no bot can read another's storage or tokens (the SDK
 * keeps them in sessionStorage). Reports arrive through one exposed function and are validated here.
 */
export class PuppeteerBotPage implements BotPage {
  private readonly emitter = new EventEmitter<{ event: [BotPageEvent] }>();
  private closing: Promise<void> | undefined;
  private readyReport: Extract<PageMessage, { type: 'ready' }> | undefined;
  private detachBrowser: () => void = () => {};
  private readonly goneListeners: (() => void)[] = [];
  private gone = false;
  /** Set once the page was found hung: nothing it says afterwards counts. */
  private hungReported = false;
  private readonly monitor: PageLivenessMonitor;
  private livenessTimer: NodeJS.Timeout | undefined;
  private offBrowserHung: () => void = () => {};

  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
    private readonly expectedOrigin: string,
    private readonly logger: Logger,
    private readonly browserLiveness: BrowserLiveness,
    livenessTimings: LivenessTimings,
  ) {
    this.monitor = new PageLivenessMonitor(Date.now(), livenessTimings);
  }

  static async open(browser: Browser, options: OpenBotPageOptions): Promise<PuppeteerBotPage> {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      const botPage = new PuppeteerBotPage(
        context,
        page,
        new URL(options.pageUrl).origin,
        options.logger,
        options.browserLiveness ?? new BrowserLiveness(browser, { logger: options.logger }),
        options.livenessTimings ?? DEFAULT_LIVENESS_TIMINGS,
      );
      await botPage.wire();
      const ready = botPage.next(
        (e): e is Extract<PageMessage, { type: 'ready' }> => e.type === 'ready',
        options.readyTimeoutMs ?? 15_000,
        'page ready',
      );
      await page.goto(options.pageUrl, { waitUntil: 'domcontentloaded' });
      botPage.readyReport = await ready;
      botPage.watchLiveness();
      return botPage;
    } catch (error) {
      await context.close().catch(() => {});
      throw error;
    }
  }

  private async wire(): Promise<void> {
    await this.page.exposeFunction(REPORT_FUNCTION, (raw: unknown) => {
      const parsed = pageMessageSchema.safeParse(raw);
      if (!parsed.success) {
        // Never log the raw value: only its shape.
        const type = raw && typeof raw === 'object' ? String((raw as { type?: unknown }).type) : typeof raw;
        this.logger.warn({ reportType: type.slice(0, 40) }, 'ignored an unreadable page report');
        return;
      }
      // Beats are the liveness watch's alone: they would only wake the supervisor every 2 s.
      if (parsed.data.type === 'beat') this.monitor.beat(Date.now());
      else this.emit(parsed.data);
      if (parsed.data.type === 'self-left') {
        this.logger.warn({ untouchedMs: parsed.data.untouchedMs }, 'page left its meeting: not touched');
      }
    });
    this.page.on('error', (error) => this.emit({ type: 'crashed', message: error.message }));
    this.page.on('close', () => {
      this.emit({ type: 'closed' });
      this.markGone();
    });
    // A dead Chromium takes its pages without a 'close' event: tell the supervisor it crashed.
    const browser = this.page.browser();
    const onDisconnected = () => {
      this.emit({ type: 'crashed', message: 'browser process gone', browserGone: true });
      this.markGone();
    };
    browser.once('disconnected', onDisconnected);
    this.detachBrowser = () => browser.off('disconnected', onDisconnected);
  }

  /** Calls `listener` once, when the page is gone: closed by us, by Chromium, or with its browser. */
  onceGone(listener: () => void): void {
    if (this.gone) listener();
    else this.goneListeners.push(listener);
  }

  private markGone(): void {
    if (this.gone) return;
    this.gone = true;
    this.stopWatching();
    for (const listener of this.goneListeners.splice(0)) listener();
  }

  private emit(event: BotPageEvent): void {
    if (this.hungReported) return;
    this.emitter.emit('event', event);
  }

  /** docs/contract.md §12: touch the page every 2 s, and call it hung when beats or answers stop. */
  private watchLiveness(): void {
    this.offBrowserHung = this.browserLiveness.onHung((why) => this.reportHung(true, `browser hung: ${why}`));
    this.livenessTimer = setInterval(() => this.livenessTick(), LIVENESS_TICK_MS);
    // Never what keeps a finished process alive.
    this.livenessTimer.unref();
  }

  private stopTicking(): void {
    clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
  }

  private stopWatching(): void {
    this.stopTicking();
    this.offBrowserHung();
  }

  private livenessTick(): void {
    if (this.closing || this.gone) return;
    const { hung, touch } = this.monitor.tick(Date.now());
    if (hung) {
      void this.onHangSign(hung);
      return;
    }
    if (touch) {
      // The same touch is the periodic CDP call whose silence says the page is hung.
      void this.tracked('touch', () => this.page.mainFrame().evaluate(() => window.zbrBot?.touch())).catch(
        () => {},
      );
    }
  }

  private async onHangSign(sign: HangSign): Promise<void> {
    // Still listening to the browser: when it is the one hung, this page reports with the others.
    this.stopTicking();
    const why = describeHangSign(sign);
    // The pool logs each hung page with its bot; the browser logs its own kill.
    await settleHang(
      {
        probeBrowser: () => this.browserLiveness.probe(),
        pageHung: () => this.reportHung(false, `page hung: ${why}`),
        closeContext: () => this.close(),
        browserHung: () =>
          this.browserLiveness.declareHung(`a page's ${why}, and the browser did not answer`),
      },
      HUNG_CLOSE_TIMEOUT_MS,
    );
  }

  /** Once per page: `hung` goes out, then the page is gone (its browser's `disconnected` too). */
  private reportHung(browserHung: boolean, message: string): void {
    if (this.hungReported) return;
    this.emitter.emit('event', { type: 'hung', browserHung, message });
    this.hungReported = true;
    this.detachBrowser();
    this.markGone();
  }

  /** A CDP call the liveness watch times: one that does not answer in 10 s means a hung page. */
  private async tracked<T>(call: string, work: () => Promise<T>): Promise<T> {
    const id = this.monitor.callStarted(call, Date.now());
    try {
      return await work();
    } finally {
      this.monitor.callEnded(id);
    }
  }

  onEvent(listener: (event: BotPageEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** The next event matching `predicate`, or a `page_timeout` error. */
  private next<T extends BotPageEvent>(
    predicate: (event: BotPageEvent) => event is T,
    timeoutMs: number,
    what: string,
  ): Promise<T>;
  private next(
    predicate: (event: BotPageEvent) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<BotPageEvent>;
  private next(
    predicate: (event: BotPageEvent) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<BotPageEvent> {
    const waiting = new Promise<BotPageEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new BotPageError('page_timeout', `timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const off = this.onEvent((event) => {
        if (event.type === 'closed' || event.type === 'crashed' || event.type === 'hung') {
          clearTimeout(timer);
          off();
          reject(new BotPageError('page_closed', `page ${event.type} while waiting for ${what}`));
        } else if (predicate(event)) {
          clearTimeout(timer);
          off();
          resolve(event);
        }
      });
    });
    // Callers start waiting before the step that triggers the event; if that step throws first,
    // this promise is never awaited, and its rejection must not count as unhandled.
    waiting.catch(() => {});
    return waiting;
  }

  /** Secrets go only to our own page: refuse if the main frame navigated elsewhere. */
  private assertOrigin(): void {
    const origin = new URL(this.page.mainFrame().url()).origin;
    if (origin !== this.expectedOrigin) {
      throw new BotPageError('page_origin_mismatch', `page is at ${origin}, expected ${this.expectedOrigin}`);
    }
  }

  async init(options: PageInitOptions, timeoutMs = 30_000): Promise<void> {
    this.assertOrigin();
    const result = this.next(
      (e): e is Extract<PageMessage, { type: 'init-result' }> => e.type === 'init-result',
      timeoutMs,
      'SDK init',
    );
    await this.tracked('init', () =>
      this.page.mainFrame().evaluate((o) => {
        void window.zbrBot?.init(o);
      }, options),
    );
    const outcome = await result;
    if (!outcome.ok) {
      throw new BotPageError(
        'page_init_failed',
        `SDK init failed: ${outcome.reason ?? 'no reason'} (${outcome.errorCode ?? '-'})`,
      );
    }
  }

  async join(params: PageJoinParams): Promise<void> {
    this.assertOrigin();
    // The parameters travel as the argument of one evaluate into the page's closure: not in the URL,
    // not through exposeFunction or evaluateOnNewDocument, which cross-origin iframes also receive.
    await this.tracked('join', () =>
      this.page.mainFrame().evaluate((p) => {
        void window.zbrBot?.join(p);
      }, params),
    );
  }

  async leave(timeoutMs: number): Promise<void> {
    if (this.closing) return this.closing;
    try {
      const done = this.next(
        (e) => e.type === 'leave-result' || (e.type === 'connection-change' && e.change.state === 'Closed'),
        timeoutMs,
        'leave',
      );
      await this.tracked('leave', () =>
        this.page.mainFrame().evaluate(() => {
          void window.zbrBot?.leave();
        }),
      );
      await done;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'leave did not complete; closing the page');
    } finally {
      await this.close();
    }
  }

  /**
   * docs/contract.md §11: `zbrBot.sendChat` in the page (one evaluate, like `join`), then the page's
   * `chat-result` for this request. The page reports `chat.sent` itself before a successful result.
   */
  async sendChat(text: string, to?: number): Promise<void> {
    if (this.closing || this.gone) throw new BotPageError('page_closed', 'sendChat on a closed page');
    this.assertOrigin();
    const requestId = randomUUID();
    const result = this.next(
      (e): e is Extract<PageMessage, { type: 'chat-result' }> =>
        e.type === 'chat-result' && e.requestId === requestId,
      CHAT_TIMEOUT_MS,
      'chat result',
    );
    const request: PageChatRequest = { requestId, text, ...(to !== undefined ? { to } : {}) };
    await this.tracked('sendChat', () =>
      this.page.mainFrame().evaluate((r) => {
        void window.zbrBot?.sendChat(r);
      }, request),
    );
    const outcome = await result;
    if (!outcome.ok) {
      // The SDK's reason names no secret; it is kept short for logs.
      throw new BotPageError(
        'chat_failed',
        `sendChat failed: ${(outcome.reason ?? outcome.errorType ?? 'no reason').slice(0, 200)}`,
      );
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopWatching();
      this.detachBrowser();
      try {
        await this.context.close();
      } catch {
        // Already gone with its browser.
      }
      this.emitter.removeAllListeners();
      this.markGone();
    })();
    return this.closing;
  }

  /** What the page said when it loaded: which SDK build, and whether it is cross-origin isolated. */
  get ready(): Extract<PageMessage, { type: 'ready' }> | undefined {
    return this.readyReport;
  }

  /** For tests and diagnostics only. */
  get puppeteerPage(): Page {
    return this.page;
  }
}
