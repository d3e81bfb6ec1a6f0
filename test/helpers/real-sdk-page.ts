import type { Browser, HTTPRequest } from 'puppeteer-core';
import { expect } from 'vitest';
import { PuppeteerBotPage } from '../../runner/browser/puppeteer-bot-page.js';
import { PAGE_PATHS } from '../../runner/web/page-routes.js';
import type { PageJoinParams, PageMessage } from '../../shared/bridge.js';
import { captureLogger } from './capture-logger.js';
import { recordEvents } from './page-events.js';

export const WC_INFO_URL = 'https://zoom.us/api/v1/wc/info';

export interface RealSdkJoin {
  browser: Browser;
  /** Origin of the runner's page server. */
  pagesOrigin: string;
  params: PageJoinParams;
  /** What "Zoom" answers to `wc/info`. */
  answer: object;
  /** Other origins the page may load from (a test's own iframe). */
  allowOrigins?: string[];
  /** Runs after init, before the join parameters are handed over. */
  beforeJoin?: (page: PuppeteerBotPage) => Promise<void>;
}

/**
 * Opens the real-SDK page build, lets it run up to its first request to Zoom (`POST wc/info`),
 * answers that with `answer`, and records every URL, console line and runner log line on the way.
 */
export async function joinThroughRealSdk(options: RealSdkJoin) {
  const { logger, lines } = captureLogger();
  const page = await PuppeteerBotPage.open(options.browser, {
    pageUrl: options.pagesOrigin + PAGE_PATHS.page('zoom'),
    logger,
  });
  const log = recordEvents(page);
  const seen = { urls: [] as string[], console: [] as string[] };
  const raw = page.puppeteerPage;
  raw.on('console', (message) => seen.console.push(message.text()));
  const allowed = [options.pagesOrigin, ...(options.allowOrigins ?? [])];
  let gotInfo: (form: URLSearchParams) => void = () => {};
  const info = new Promise<URLSearchParams>((resolve) => {
    gotInfo = resolve;
  });
  await raw.setRequestInterception(true);
  raw.on('request', (request: HTTPRequest) => {
    const url = request.url();
    seen.urls.push(url);
    if (
      allowed.some((origin) => url.startsWith(origin)) ||
      url.startsWith('data:') ||
      url.startsWith('blob:')
    ) {
      void request.continue();
    } else if (url === WC_INFO_URL && request.method() === 'POST') {
      gotInfo(new URLSearchParams(request.postData() ?? ''));
      void request.respond({
        status: 200,
        contentType: 'application/json',
        headers: {
          'Access-Control-Allow-Origin': options.pagesOrigin,
          'Access-Control-Allow-Credentials': 'true',
        },
        body: JSON.stringify(options.answer),
      });
    } else {
      void request.abort();
    }
  });
  await page.init({ assetPath: options.pagesOrigin + PAGE_PATHS.sdkAssets });
  await options.beforeJoin?.(page);
  await page.join(options.params);
  const form = await info;
  const result = (await log.waitFor((e) => e.type === 'join-result', 20_000)) as Extract<
    PageMessage,
    { type: 'join-result' }
  >;
  return { page, log, form, result, seen, logLines: lines };
}

/** Each secret appears in no URL the page requested, no console line and no runner log line. */
export function expectNoSecretLeaked(
  secrets: readonly string[],
  seen: { urls: string[]; console: string[] },
  logLines: string[],
): void {
  for (const secret of secrets) {
    expect(
      seen.urls.filter((url) => url.includes(secret) || url.includes(encodeURIComponent(secret))),
    ).toEqual([]);
    expect(seen.console.filter((line) => line.includes(secret))).toEqual([]);
    expect(logLines.filter((line) => line.includes(secret))).toEqual([]);
  }
}
