import { type Browser, launch } from 'puppeteer-core';
import { chromiumEnvironment } from './chromium-env.js';

/**
 * Flags that work in our containers (docs/zoom.md §5). Background networking off: nothing phones home.
 * `--no-sandbox` is added only when the sandbox is off (CHROMIUM_SANDBOX, runner/browser/chromium-sandbox.ts).
 */
export const BASE_CHROMIUM_FLAGS = [
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
  // The page beats every 2 s and leaves by itself when not touched for 7 s (docs/contract.md §12):
  // its timers must never be throttled as a background tab's are. Puppeteer adds these by default
  // too; named here so the beat does not depend on its defaults.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  // Chromium 156 headless preloads the omnibox popup WebUI for every browser context, a renderer each:
  // ~45 MB per bot that no bot uses (bench/results/density.json, topChromeWebUiMb10).
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup',
] as const;

export interface ChromiumOptions {
  executablePath: string;
  extraArgs?: readonly string[];
  /** Chromium's sandbox on (default false: `--no-sandbox`). */
  sandbox?: boolean;
  /** Chromium's environment: default the allowed part of this process's (runner/browser/chromium-env.ts). */
  env?: Record<string, string>;
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
    args: [
      ...(options.sandbox ? [] : ['--no-sandbox']),
      ...BASE_CHROMIUM_FLAGS,
      ...(options.extraArgs ?? []),
    ],
    env: options.env ?? chromiumEnvironment(process.env),
    // Our own SIGTERM handling closes bots first; Puppeteer must not kill Chromium behind its back.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    protocolTimeout: 30_000,
  });
}
