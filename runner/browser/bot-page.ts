import type { PageInitOptions, PageJoinParams, PageMessage } from '../../shared/bridge.js';

/** What the page reports, plus what only the runner can see: the page's renderer crashing or closing. */
export type BotPageEvent =
  | PageMessage
  /** `browserGone`: the whole Chromium died (killed, OOM), not only this page's renderer. */
  | { type: 'crashed'; message: string; browserGone?: boolean }
  | { type: 'closed' };

/**
 * The narrow port the supervisor drives. The Puppeteer implementation is `PuppeteerBotPage`; the
 * supervisor's logic can be tested with an object literal.
 */
export interface BotPage {
  /** Initialises the SDK (warm pages do this before a job arrives). Resolves once the SDK reported. */
  init(options: PageInitOptions): Promise<void>;
  /** Hands the join parameters to the page. The outcome arrives as events. */
  join(params: PageJoinParams): Promise<void>;
  /** Asks the SDK to leave; after `timeoutMs` without an answer the page is closed instead. */
  leave(timeoutMs: number): Promise<void>;
  /** Closes the page's browser context (its storage and tokens go with it). Idempotent. */
  close(): Promise<void>;
  onEvent(listener: (event: BotPageEvent) => void): () => void;
}
