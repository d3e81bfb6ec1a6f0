import { BotPageError } from '../browser/page-errors.js';
import type { BotPage, PageSource } from '../supervisor/ports.js';
import { SimClientBotPage } from './sim-client-page.js';

export interface SimClientPagesStats {
  /** Sessions open (joining, in a meeting, or leaving). */
  pages: number;
}

/**
 * `WORKER_PAGE_DRIVER=sim-client`: the page port backed by zoom-sim participant clients, one socket
 * per bot in the worker's own process, so one worker runs hundreds of bots with no browser (the fleet
 * benchmark, docs/contract.md §13). Nothing to warm: a session costs a socket, made at join.
 */
export class SimClientPages implements PageSource {
  private readonly sessions = new Set<SimClientBotPage>();
  private closing: Promise<void> | undefined;

  /** `simUrl`: the sim's origin (sim mode's ZOOM_SIM_URL). */
  constructor(private readonly simUrl: string) {}

  async open(_botId: string): Promise<BotPage> {
    if (this.closing) throw new BotPageError('page_closed', 'sim-client pages are closed');
    const page: SimClientBotPage = new SimClientBotPage(() => this.sessions.delete(page));
    await page.init({ assetPath: 'none', webEndpoint: this.simUrl });
    this.sessions.add(page);
    return page;
  }

  stats(): SimClientPagesStats {
    return { pages: this.sessions.size };
  }

  /** Closes every session still open (after the bot worker's own shutdown took its bots out). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.sessions].map((page) => page.close()));
    })();
    return this.closing;
  }
}
