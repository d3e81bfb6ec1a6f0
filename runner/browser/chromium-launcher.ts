import { type Browser, launch } from 'puppeteer-core';

/** Flags that work in our containers (zoom-facts §5). Background networking off: nothing phones home. */
export const BASE_CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Chromium 156 headless preloads the omnibox popup WebUI for every browser context, a renderer each:
  // ~45 MB per bot that no bot uses (bench/results/density.json, topChromeWebUiMb10).
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup',
] as const;

export interface ChromiumOptions {
  executablePath: string;
  extraArgs?: readonly string[];
}

/**
 * Launches headless Chromium over a pipe, not a WebSocket: with a pipe Chromium exits when the Node
 * process that launched it dies, even on kill -9, so a crashed worker leaves no ghost bot in a meeting.
 */
export function launchChromium(options: ChromiumOptions): Promise<Browser> {
  return launch({
    executablePath: options.executablePath,
    headless: true,
    pipe: true,
    args: [...BASE_CHROMIUM_FLAGS, ...(options.extraArgs ?? [])],
    // Our own SIGTERM handling closes bots first; Puppeteer must not kill Chromium behind its back.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    protocolTimeout: 30_000,
  });
}
