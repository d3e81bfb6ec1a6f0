import type { BrowserPool, HungScope } from '../../browser/browser-pool.js';
import { ConfigError } from '../../config/config-error.js';
import type { Config } from '../../config/config-table.js';
import type { RunningHttpServer } from '../../http/http-server.js';
import type { Logger } from '../../log/logger.js';
import { SimClientPages } from '../../sim-client/sim-client-pages.js';
import type { PageSource } from '../../supervisor/ports.js';
import { derived, type Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';
import { browserPoolPart } from './browser-pool.js';
import type { ConfiguredMode } from './zoom-credentials.js';

/** What a worker's bots need from their pages: the page port, and what the worker's metrics read. */
export interface WorkerPages extends PageSource {
  /** PIDs whose memory the worker reports as Chromium's: none without a browser. */
  processTree(): number[];
  /** Every page found hung, by scope: never, without a browser. */
  onHung(listener: (scope: HungScope) => void): () => void;
}

/** `WorkerProcess.pool` was read in a worker whose bots run without a browser. */
export class NoBrowserPoolError extends Error {
  readonly code = 'no_browser_pool';
  constructor() {
    super('this worker runs WORKER_PAGE_DRIVER=sim-client: it has no browser pool');
    this.name = 'NoBrowserPoolError';
  }
}

/**
 * The worker's pages, by WORKER_PAGE_DRIVER: the Chromium pool (its first Chromium launched at
 * start), or zoom-sim participant sockets (sim mode only; no browser is ever launched). `pool` is the
 * Chromium pool for the tests and benchmarks that reach into it; it throws under `sim-client`.
 */
export function pageDriverPart(input: {
  config: Config;
  mode: Ref<ConfiguredMode>;
  http: Ref<RunningHttpServer>;
  logger: Logger;
  warmPages?: number | undefined;
}): { pages: Resource<WorkerPages>; pool: Ref<BrowserPool> } {
  if (input.config.WORKER_PAGE_DRIVER === 'chromium') {
    const pool = browserPoolPart(input);
    return { pages: pool, pool };
  }
  return {
    pages: simClientPagesPart(input.mode),
    pool: derived(() => {
      throw new NoBrowserPoolError();
    }),
  };
}

function simClientPagesPart(modeRef: Ref<ConfiguredMode>): Resource<WorkerPages> {
  return resource('sim-client pages', (defer) => {
    const mode = modeRef.value;
    // resolveMode refuses this outside sim mode; a process declared by hand is checked here too.
    if (mode.kind !== 'sim') {
      throw new ConfigError(
        'WORKER_PAGE_DRIVER=sim-client needs sim mode (ZOOM_SIM_URL)',
        'WORKER_PAGE_DRIVER',
      );
    }
    const pages = new SimClientPages(mode.simUrl);
    defer('close sim-client sessions', () => pages.close());
    return {
      open: (botId: string) => pages.open(botId),
      processTree: () => [],
      onHung: () => () => {},
    };
  });
}
