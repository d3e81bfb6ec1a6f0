import type { Redis } from 'ioredis';
import type { BrowserPool } from '../browser/browser-pool.js';
import type { Config } from '../config/config-table.js';
import type { RunningHttpServer } from '../http/http-server.js';
import type { Logger } from '../log/logger.js';
import type { RunnerMetrics } from '../metrics/runner-metrics.js';
import type { QueueLayer } from '../queue/queue-layer.js';
import type { BotWorker } from '../worker/bot-worker.js';
import type { ZoomCredentials } from '../zoom/zoom-credentials.js';
import type { Ref } from './part.js';
import { botWorkerPart, type ShutdownMode } from './parts/bot-worker.js';
import { pageDriverPart } from './parts/page-driver.js';
import { queueDepthPart } from './parts/queue-depth.js';
import { queueLayerPart } from './parts/queue-layer.js';
import { reconcilerPart } from './parts/reconciler.js';
import { redisConnectionPart } from './parts/redis-connection.js';
import { webhookDispatcherPart } from './parts/webhook-dispatcher.js';
import { type ConfiguredMode, zoomCredentialsPart } from './parts/zoom-credentials.js';
import type { Resource } from './resource.js';
import type { Runtime } from './runtime.js';

/**
 * The groups of parts the processes share, in the order they start. Each process declaration adds
 * the groups it runs, with what is its own (an HTTP app, an embedded sim) in between.
 */

export interface QueueParts {
  redis: Resource<Redis>;
  credentials: Resource<ZoomCredentials>;
  layer: Resource<QueueLayer>;
}

/** Every long-running process: its Redis connection, which Zoom and as whom, the queue layer. */
export function addQueueParts(
  runtime: Runtime,
  input: { config: Config; mode: Ref<ConfiguredMode>; redisUrl: Ref<string>; logger: Logger },
): QueueParts {
  const redis = runtime.add(redisConnectionPart(input.redisUrl, input.logger));
  const credentials = runtime.add(zoomCredentialsPart(input.config, input.mode));
  const layer = runtime.add(queueLayerPart({ config: input.config, redis, credentials }));
  return { redis, credentials, layer };
}

/**
 * The deployment's background work, which every process takes a share of through Redis: webhook
 * delivery, the queue-depth lease, the reconciler lease.
 */
export function addDeploymentParts(
  runtime: Runtime,
  input: QueueParts & { config: Config; redisUrl: Ref<string>; metrics: RunnerMetrics; logger: Logger },
): void {
  const { config, redis, redisUrl, layer, metrics, logger } = input;
  runtime.add(webhookDispatcherPart({ config, redis, redisUrl, logger, metrics }));
  runtime.add(queueDepthPart({ config, redis, layer, metrics }));
  runtime.add(reconcilerPart({ config, redis, layer, metrics, logger }));
}

/**
 * A worker's bots: their pages (Chromium loading them from this process's HTTP server, or sim-client
 * sockets: WORKER_PAGE_DRIVER), and the job loop.
 */
export function addBotParts(
  runtime: Runtime,
  input: QueueParts & {
    config: Config;
    mode: Ref<ConfiguredMode>;
    redisUrl: Ref<string>;
    http: Ref<RunningHttpServer>;
    metrics: RunnerMetrics;
    logger: Logger;
    name?: string | undefined;
    warmPages?: number | undefined;
    shutdownMode: () => ShutdownMode;
  },
): { pool: Ref<BrowserPool>; worker: Resource<BotWorker> } {
  const { config, mode, http, logger } = input;
  const driver = pageDriverPart({ config, mode, http, logger, warmPages: input.warmPages });
  const pages = runtime.add(driver.pages);
  const worker = runtime.add(
    botWorkerPart({
      config,
      redis: input.redis,
      redisUrl: input.redisUrl,
      credentials: input.credentials,
      layer: input.layer,
      pages,
      metrics: input.metrics,
      logger,
      name: input.name,
      shutdownMode: input.shutdownMode,
    }),
  );
  return { pool: driver.pool, worker };
}
