import type { HTTPRequest } from 'puppeteer-core';
import type { PuppeteerBotPage } from '../../runner/browser/puppeteer-bot-page.js';
import type { BotPageEvent } from '../../runner/supervisor/ports.js';
import type { PageJoinParams } from '../../shared/bridge.js';

/**
 * The contract-test setup (test/helpers/real-sdk-page.ts) for a page the runner's BrowserPool already
 * opened and initialised: the real SDK runs until its first request to Zoom, `POST wc/info`, which is
 * answered with the refusal the contract test uses, so the page sits in its post-join-attempt state.
 * (The test helper opens its own page and asserts with vitest, so it cannot be reused here.)
 */
export const WC_INFO_URL = 'https://zoom.us/api/v1/wc/info';

/** What the contract test answers: the meeting does not exist. */
export const MEETING_DOES_NOT_EXIST = {
  status: false,
  errorCode: 3001,
  errorMessage: 'Meeting does not exist.',
};

export class RealSdkJoinError extends Error {
  constructor(
    readonly reason: 'no_wc_info' | 'no_join_result' | 'page_gone',
    message: string,
  ) {
    super(message);
    this.name = 'RealSdkJoinError';
  }
}

export interface RefusedJoin {
  /** The SDK's report of Zoom's refusal (`200`, Zoom's message as the reason). */
  errorCode: number | undefined;
  reason: string | undefined;
  /** Requests to anywhere but our page server, aborted (no network here, as in the contract test). */
  aborted: number;
}

/**
 * Hands `params` to the page and waits for the SDK to report the refused join. Every request other
 * than our page server's, data: and blob: URLs, and wc/info is aborted.
 */
export async function joinUntilRefused(
  page: PuppeteerBotPage,
  pagesOrigin: string,
  params: PageJoinParams,
  timeoutMs = 30_000,
): Promise<RefusedJoin> {
  const raw = page.puppeteerPage;
  let aborted = 0;
  let sawInfo = false;
  await raw.setRequestInterception(true);
  raw.on('request', (request: HTTPRequest) => {
    const url = request.url();
    if (url.startsWith(pagesOrigin) || url.startsWith('data:') || url.startsWith('blob:')) {
      void request.continue();
    } else if (url === WC_INFO_URL && request.method() === 'POST') {
      sawInfo = true;
      void request.respond({
        status: 200,
        contentType: 'application/json',
        headers: {
          'Access-Control-Allow-Origin': pagesOrigin,
          'Access-Control-Allow-Credentials': 'true',
        },
        body: JSON.stringify(MEETING_DOES_NOT_EXIST),
      });
    } else {
      aborted++;
      void request.abort();
    }
  });
  const result = new Promise<Extract<BotPageEvent, { type: 'join-result' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        sawInfo
          ? new RealSdkJoinError('no_join_result', `no join result within ${timeoutMs} ms after wc/info`)
          : new RealSdkJoinError('no_wc_info', `the SDK sent no wc/info within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const off = page.onEvent((event) => {
      if (event.type === 'join-result') {
        clearTimeout(timer);
        off();
        resolve(event);
      } else if (event.type === 'crashed' || event.type === 'closed') {
        clearTimeout(timer);
        off();
        reject(new RealSdkJoinError('page_gone', `page ${event.type} before the join result`));
      }
    });
  });
  await page.join(params);
  const { errorCode, reason } = await result;
  return { errorCode, reason, aborted };
}
