import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { BrowserPool } from '../browser/browser-pool.js';
import { hasCapacity } from '../browser/free-memory.js';
import type { Config } from '../config/config-table.js';
import type { Mode } from '../config/mode.js';
import { type Readiness, registerHealthRoutes } from '../http/health-routes.js';
import { type RunningHttpServer, startHttpServer } from '../http/http-server.js';
import { runShutdownSteps, type ShutdownStep } from '../lifecycle/shutdown-steps.js';
import type { Logger } from '../log/logger.js';
import { registerMetricsRoute } from '../metrics/metrics-route.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import { wireWorkerMetrics } from '../metrics/worker-metrics.js';
import { createQueueLayer, type QueueLayer } from '../queue/queue-layer.js';
import { connectRedis } from '../redis/redis-connection.js';
import { pageBuildDir } from '../web/page-build.js';
import { registerPageRoutes } from '../web/page-routes.js';
import { startWebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import { createZoomClients, resolveZoomCredentials } from '../zoom/zoom-credentials.js';
import { BotWorker } from './bot-worker.js';
import { ZoomCredentialSource } from './credential-source.js';
import { OurBotsDirectory } from './our-bots-directory.js';

export interface WorkerRuntime {
  readonly http: RunningHttpServer;
  readonly worker: BotWorker;
  readonly pool: BrowserPool;
  readonly layer: QueueLayer;
  /** SIGTERM: stop taking bots, hand them off or drain, then release everything. */
  shutdown(mode: 'handoff' | 'drain'): Promise<void>;
}

/**
 * What a process that already serves HTTP (the `start` command) lends its worker: the server on
 * API_PORT, whose app serves the bot pages and the health routes, and the queue layer on its Redis.
 * Their owner closes them; the worker's shutdown leaves them open.
 */
export interface WorkerHost {
  http: RunningHttpServer;
  redis: Redis;
  layer: QueueLayer;
  /** The registry the host's /metrics serves; without it the worker's metrics are not served. */
  metrics?: RunnerMetrics;
}

/**
 * Composition root of a worker process: Zoom clients, the queue layer, Chromium, and one HTTP server
 * on API_PORT for /livez, /readyz, /metrics and the bot pages its own Chromium loads (or the `host`'s).
 */
export async function startWorkerRuntime(options: {
  config: Config;
  mode: Exclude<Mode, { kind: 'embedded' }>;
  logger: Logger;
  name?: string;
  host?: WorkerHost;
  /** Pages the browser pool keeps warm instead of WORKER_WARM_PAGES (a benchmark warms one per join). */
  warmPages?: number;
}): Promise<WorkerRuntime> {
  const { config, mode, logger, host } = options;
  const redis =
    host?.redis ?? connectRedis(config.REDIS_URL, logger, 'commands', { maxRetriesPerRequest: 2 });
  const credentials = await resolveZoomCredentials(config, mode);
  const metrics = host?.metrics ?? new RunnerMetrics();
  const clients = createZoomClients({
    config,
    credentials,
    redis,
    logger,
    http: { onCall: (operation, status) => metrics.countZoomCall(operation, status) },
  });
  const layer =
    host?.layer ??
    createQueueLayer({
      redis,
      prefix: config.QUEUE_PREFIX,
      jobEncryptionKey: config.JOB_ENCRYPTION_KEY,
      serviceUser: credentials.botUser,
    });
  let worker: BotWorker | undefined;
  let shuttingDown = false;
  const http =
    host?.http ??
    (await serveWorkerRoutes(config, metrics, {
      redis: async () => (await redis.ping()) === 'PONG',
      accepting: () => worker?.accepting() ?? false,
      shuttingDown: () => shuttingDown,
    }));
  const sdk = mode.kind === 'sim' ? 'sim' : 'zoom';
  const pool = new BrowserPool({
    chromium: { executablePath: config.CHROMIUM_PATH, extraArgs: config.CHROMIUM_ARGS },
    botsPerBrowser: config.BOTS_PER_BROWSER,
    pageOrigin: http.url,
    sdk,
    ...(mode.kind === 'sim' ? { webEndpoint: new URL(mode.simUrl).host } : {}),
    warmPages: options.warmPages ?? config.WORKER_WARM_PAGES,
    logger,
  });
  const workerMetrics = wireWorkerMetrics({
    metrics,
    redis,
    prefix: config.QUEUE_PREFIX,
    queue: layer.queue,
    store: layer.store,
    chromiumPids: () => pool.processTree(),
  });
  worker = new BotWorker({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    layer,
    recorder: workerMetrics.recorder,
    credentials: new ZoomCredentialSource(clients, { logger }),
    pages: pool,
    ourBots: new OurBotsDirectory(redis, config.QUEUE_PREFIX),
    settings: { reconnectGraceMs: config.RECONNECT_GRACE_MS, leaveTimeoutMs: 5_000 },
    logger,
    ...(options.name !== undefined ? { name: options.name } : {}),
    hasCapacity: () => hasCapacity(config.WORKER_MIN_FREE_MEMORY_MB),
  });
  await worker.start();
  pool.topUp();
  // A host (the `start` process) runs its own dispatcher; several per deployment share the work.
  const webhooks = host
    ? undefined
    : startWebhookDispatcher({
        redis,
        redisUrl: config.REDIS_URL,
        prefix: config.QUEUE_PREFIX,
        config,
        logger,
        metrics,
      });
  const running = worker;
  let stopping: Promise<void> | undefined;
  return {
    http,
    worker: running,
    pool,
    layer,
    shutdown: (shutdownMode) => {
      stopping ??= (async () => {
        shuttingDown = true;
        const steps: ShutdownStep[] = [
          ['bots', () => running.shutdown(shutdownMode, config.SHUTDOWN_GRACE_SEC * 1000)],
          ['chromium', () => pool.close()],
          ['metrics', () => workerMetrics.close()],
          ['webhooks', async () => webhooks?.close()],
        ];
        // A host's server, layer and Redis are its own to close.
        if (!host) steps.push(['queue', () => layer.close()], ['http', () => http.close()]);
        await runShutdownSteps(steps, logger);
        if (!host) redis.disconnect();
      })();
      return stopping;
    },
  };
}

/** A worker's own HTTP server: /livez, /readyz, /metrics and the bot pages. */
async function serveWorkerRoutes(
  config: Config,
  metrics: RunnerMetrics,
  readiness: Readiness,
): Promise<RunningHttpServer> {
  const app = new Hono();
  registerPageRoutes(app, { buildDir: pageBuildDir() });
  registerMetricsRoute(app, metrics);
  registerHealthRoutes(app, readiness);
  return startHttpServer(app, { port: config.API_PORT });
}
