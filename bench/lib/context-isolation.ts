import { randomUUID } from 'node:crypto';
import type { PuppeteerBotPage } from '../../runner/browser/puppeteer-bot-page.js';

/**
 * Checks the layout a density run measured is the one that keeps bots apart: every page in a browser
 * context of its own, and storage written by one bot unreadable by the others. The SDK keeps its
 * tokens in sessionStorage (per tab anyway); localStorage is shared by a context's pages of one origin,
 * so a marker written there by the first bot and seen by another would mean a shared context.
 */
export interface IsolationCheck {
  pages: number;
  /** Distinct browser contexts among the pages: equal to `pages` when each bot has its own. */
  contexts: number;
  /** Other bots that could read the first bot's localStorage marker. */
  leakedTo: number;
  isolated: boolean;
}

export async function checkIsolation(pages: readonly PuppeteerBotPage[]): Promise<IsolationCheck> {
  const contexts = new Set(pages.map((page) => page.puppeteerPage.browserContext()));
  const [first, ...others] = pages;
  let leakedTo = 0;
  if (first) {
    const marker = randomUUID();
    await first.puppeteerPage.evaluate((value) => {
      localStorage.setItem('zbr-bench-isolation', value);
    }, marker);
    const seen = await Promise.all(
      others.map((page) =>
        page.puppeteerPage.evaluate(() => localStorage.getItem('zbr-bench-isolation') ?? ''),
      ),
    );
    leakedTo = seen.filter((text) => text.includes(marker)).length;
    // Leave the measured page as it was.
    await first.puppeteerPage.evaluate(() => {
      localStorage.removeItem('zbr-bench-isolation');
    });
  }
  return {
    pages: pages.length,
    contexts: contexts.size,
    leakedTo,
    isolated: contexts.size === pages.length && leakedTo === 0,
  };
}
