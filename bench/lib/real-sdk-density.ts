import { BrowserPool } from '../../runner/browser/browser-pool.js';
import type { ChromiumOptions } from '../../runner/browser/chromium-launcher.js';
import type { Logger } from '../../runner/log/logger.js';
import type { ZoomClients } from '../../runner/zoom/zoom-credentials.js';
import { checkIsolation, type IsolationCheck } from './context-isolation.js';
import { reapLeftovers } from './leftover-processes.js';
import { mapLimited } from './map-limited.js';
import { type SampledPss, type SampleOptions, sampleTreePss } from './pss-samples.js';
import { joinUntilRefused, type RefusedJoin } from './real-sdk-refusal.js';

/** The meeting the contract test joins; wc/info is answered before the number matters. */
const MEETING = '81234567890';

export interface RealSdkDensityOptions {
  bots: number;
  /** The runner's BOTS_PER_BROWSER (each bot in its own context); 1 = one Chromium per bot. */
  botsPerBrowser: number;
  /** Origin of the page server holding the real-SDK build. */
  pagesOrigin: string;
  /** The runner's Zoom clients against a zoom-sim: each bot gets a real ZAK and signature. */
  zoom: ZoomClients;
  /** CHROMIUM_PATH and CHROMIUM_ARGS. */
  chromium: ChromiumOptions;
  sampling: SampleOptions;
  /** Pages opened (loaded, SDK initialised, joined) at once: the SDK's init is CPU-heavy. */
  openConcurrency: number;
  logger: Logger;
}

export interface RealSdkDensityRun {
  bots: number;
  botsPerBrowser: number;
  browsers: number;
  /** Chromium process tree (every browser, zygote, renderer, GPU and utility process). */
  chromium: SampledPss;
  isolation: IsolationCheck;
  /** How long opening, initialising and joining every page took. */
  openMs: number;
  /** The first bot's report of the refusal (all bots get the same answer). */
  refusal: RefusedJoin | undefined;
  /** Chromium processes still running after the pool closed, killed here (should be 0). */
  leftoverProcesses: number;
}

/**
 * `bots` real-SDK pages through the runner's own BrowserPool (the layout a Zoom-mode worker uses:
 * `botsPerBrowser` pages per Chromium, a browser context each), each initialised and joined up to
 * Zoom's refusal; then the PSS of the whole Chromium tree. No warm spare page: only bots are counted.
 */
export async function measureRealSdkDensity(options: RealSdkDensityOptions): Promise<RealSdkDensityRun> {
  const pool = new BrowserPool({
    chromium: options.chromium,
    botsPerBrowser: options.botsPerBrowser,
    pageOrigin: options.pagesOrigin,
    sdk: 'zoom',
    warmPages: 0,
    readyTimeoutMs: 60_000,
    initTimeoutMs: 90_000,
    logger: options.logger,
  });
  let run: Omit<RealSdkDensityRun, 'leftoverProcesses'>;
  let leftoverProcesses = 0;
  try {
    const user = options.zoom.credentials.botUser;
    if (!user) throw new Error('the sim names no service user to mint ZAKs for');
    const startedAt = Date.now();
    const ids = Array.from({ length: options.bots }, (_, i) => `bench-density-${i + 1}`);
    const refusals = await mapLimited(ids, options.openConcurrency, async (botId, index) => {
      await pool.open(botId);
      const page = pool.pageOf(botId);
      if (!page) throw new Error(`the pool has no page for ${botId}`);
      const [zak, signature] = await Promise.all([
        options.zoom.meetingTokens.mintZak(user),
        options.zoom.signatures.sign(MEETING),
      ]);
      return joinUntilRefused(page, options.pagesOrigin, {
        meetingNumber: MEETING,
        signature,
        zak,
        userName: `Density ${index + 1}`,
        customerKey: botId,
      });
    });
    const openMs = Date.now() - startedAt;
    const pages = ids.map((id) => pool.pageOf(id)).filter((page) => page !== undefined);
    const isolation = await checkIsolation(pages);
    const chromium = await sampleTreePss(() => pool.processTree(), options.sampling);
    run = {
      bots: options.bots,
      botsPerBrowser: options.botsPerBrowser,
      browsers: pool.stats().browsers,
      chromium,
      isolation,
      openMs,
      refusal: refusals[0],
    };
  } finally {
    const tree = pool.processTree();
    await pool.close();
    leftoverProcesses = await reapLeftovers(tree);
  }
  return { ...run, leftoverProcesses };
}
