import type { BrowserPool } from '../browser/browser-pool.js';
import type { Config } from '../config/config-table.js';
import type { RunningHttpServer } from '../http/http-server.js';
import type { Logger } from '../log/logger.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import type { QueueLayer } from '../queue/queue-layer.js';
import { configuredRedisAddress } from '../redis/redis-address.js';
import type { BotWorker } from '../worker/bot-worker.js';
import { createWorkerApp } from '../worker/worker-app.js';
import { fixed } from './part.js';
import { addBotParts, addDeploymentParts, addQueueParts } from './part-groups.js';
import type { ShutdownMode } from './parts/bot-worker.js';
import { httpServerPart } from './parts/http-server.js';
import type { ConfiguredMode } from './parts/zoom-credentials.js';
import { processReadiness } from './readiness.js';
import { Runtime } from './runtime.js';

export interface WorkerProcessOptions {
  config: Config;
  mode: ConfiguredMode;
  logger: Logger;
  /** Shown in the dashboard's worker list. */
  name?: string | undefined;
  /** Pages kept warm instead of WORKER_WARM_PAGES (a benchmark warms one per join). */
  warmPages?: number | undefined;
}

/** A declared worker process; its parts' values are readable once `runtime.start()` resolved. */
export interface WorkerProcess {
  readonly runtime: Runtime;
  readonly http: RunningHttpServer;
  readonly layer: QueueLayer;
  readonly pool: BrowserPool;
  readonly worker: BotWorker;
  /** Closes the process, its bots shut down with `mode` (SHUTDOWN_MODE when not given). */
  shutdown(mode?: ShutdownMode): Promise<void>;
}

/**
 * `zoom-bot-runner worker`: takes bot jobs and runs them in Chromium; serves /livez, /readyz,
 * /metrics and the bot pages on API_PORT.
 */
export function declareWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  const { config, logger } = options;
  const runtime = new Runtime('worker', logger);
  const metrics = new RunnerMetrics();
  const redisUrl = fixed(configuredRedisAddress(config));
  const mode = fixed(options.mode);
  let shutdownMode: ShutdownMode = config.SHUTDOWN_MODE;
  const queue = addQueueParts(runtime, { config, mode, redisUrl, logger });
  const http = runtime.add(
    httpServerPart({
      port: config.API_PORT,
      app: () => createWorkerApp({ metrics, readiness: processReadiness(runtime, queue.redis) }),
    }),
  );
  addDeploymentParts(runtime, { ...queue, config, redisUrl, metrics, logger });
  const { pool, worker } = addBotParts(runtime, {
    ...queue,
    config,
    mode,
    redisUrl,
    http,
    metrics,
    logger,
    name: options.name,
    warmPages: options.warmPages,
    shutdownMode: () => shutdownMode,
  });
  const { layer } = queue;
  return {
    runtime,
    get http() {
      return http.value;
    },
    get layer() {
      return layer.value;
    },
    get pool() {
      return pool.value;
    },
    get worker() {
      return worker.value;
    },
    shutdown: (modeNow) => {
      if (modeNow !== undefined) shutdownMode = modeNow;
      return runtime.close();
    },
  };
}

/** Declares and starts a worker process (tests and benchmarks run workers in their own process). */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const process = declareWorkerProcess(options);
  await process.runtime.start();
  return process;
}
