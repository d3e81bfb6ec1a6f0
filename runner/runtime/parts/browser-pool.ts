import { BrowserPool } from '../../browser/browser-pool.js';
import { freeMemoryMb } from '../../browser/free-memory.js';
import type { Config } from '../../config/config-table.js';
import type { RunningHttpServer } from '../../http/http-server.js';
import type { Logger } from '../../log/logger.js';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';
import type { ConfiguredMode } from './zoom-credentials.js';

/**
 * The worker's Chromium processes. Its pages load from this process's own HTTP server; the first
 * Chromium is launched at start, so one that cannot run stops the process there.
 */
export function browserPoolPart(input: {
  config: Config;
  mode: Ref<ConfiguredMode>;
  http: Ref<RunningHttpServer>;
  logger: Logger;
  /** The warm pool's floor instead of WORKER_WARM_PAGES (a benchmark warms one per join). */
  warmPages?: number | undefined;
}): Resource<BrowserPool> {
  const { config, logger } = input;
  return resource('browser pool', async (defer) => {
    const mode = input.mode.value;
    const pool = new BrowserPool({
      chromium: { executablePath: config.CHROMIUM_PATH, extraArgs: config.CHROMIUM_ARGS },
      sandbox: config.CHROMIUM_SANDBOX,
      botsPerBrowser: config.BOTS_PER_BROWSER,
      pageOrigin: input.http.value.url,
      sdk: mode.kind === 'sim' ? 'sim' : 'zoom',
      ...(mode.kind === 'sim' ? { webEndpoint: new URL(mode.simUrl).host } : {}),
      warmPages: input.warmPages ?? config.WORKER_WARM_PAGES,
      // Above WORKER_WARM_PAGES, as many as recent bursts of joins asked for (docs/contract.md §2).
      adaptive: {
        slots: config.WORKER_CONCURRENCY,
        max: config.WORKER_WARM_PAGES_MAX,
        memory: { freeMb: () => freeMemoryMb(), minFreeMb: config.WORKER_MIN_FREE_MEMORY_MB },
      },
      logger,
    });
    // A process that exits without closing its parts (a stop past its deadline, a fatal error) still
    // takes its Chromium with it: frozen renderers included, which would not notice the pipe close.
    const killOnExit = () => pool.killNow();
    process.once('exit', killOnExit);
    defer('forget the exit hook', () => process.removeListener('exit', killOnExit));
    defer('close Chromium', () => pool.close());
    await pool.start();
    return pool;
  });
}
