import type { Browser } from 'puppeteer-core';
import { launchChromium } from '../runner/browser/chromium-launcher.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A headless Chromium for one test file; the caller closes it in `afterAll`. */
export function startTestChromium(): Promise<Browser> {
  return launchChromium({ executablePath: CHROMIUM_PATH });
}
