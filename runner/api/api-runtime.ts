import type { Config } from '../config/config-table.js';
import type { Mode } from '../config/mode.js';
import { type RunningHttpServer, startHttpServer } from '../http/http-server.js';
import { OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import { runShutdownSteps, type ShutdownStep } from '../lifecycle/shutdown-steps.js';
import type { Logger } from '../log/logger.js';
import { QueueDepthReporter } from '../metrics/queue-depth-reporter.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import { createQueueLayer, type QueueLayer } from '../queue/queue-layer.js';
import { connectRedis } from '../redis/redis-connection.js';
import { startWebhookDispatcher, type WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import { startWorkerRuntime, type WorkerRuntime } from '../worker/worker-runtime.js';
import { resolveZoomCredentials } from '../zoom/zoom-credentials.js';
import { createApiApp } from './api-app.js';

export interface ApiRuntime {
  readonly http: RunningHttpServer;
  readonly layer: QueueLayer;
  /** The worker sharing this process and port (`start`); undefined for `api`. */
  readonly worker: WorkerRuntime | undefined;
  /** Not ready, then the worker's shutdown (handoff or drain), then the server, queue and Redis. */
  shutdown(mode: 'handoff' | 'drain'): Promise<void>;
}

export interface ApiRuntimeOptions {
  config: Config;
  mode: Exclude<Mode, { kind: 'embedded' }>;
  logger: Logger;
  /** Keys instead of API_KEYS (the embedded `start` default generates one). */
  apiKeys?: readonly string[] | undefined;
  /** Dashboard login instead of DASHBOARD_USER/PASSWORD (the embedded `start` default generates one). */
  dashboardLogin?: { user: string; password: string } | undefined;
  /** Also run a worker in this process, on the same port (`start`). */
  worker?: { name: string } | undefined;
}

/**
 * Composition root of `api` and `start`: one Redis connection and queue layer, the API app on
 * API_PORT, and for `start` a worker lent that server (its Chromium loads the bot pages from it).
 */
export async function startApiRuntime(options: ApiRuntimeOptions): Promise<ApiRuntime> {
  const { config, mode, logger } = options;
  const redis = connectRedis(config.REDIS_URL, logger, 'commands', { maxRetriesPerRequest: 2 });
  let worker: WorkerRuntime | undefined;
  let shuttingDown = false;
  let layer: QueueLayer | undefined;
  let http: RunningHttpServer | undefined;
  let webhooks: WebhookDispatcher | undefined;
  let queueDepth: QueueDepthReporter | undefined;
  const metrics = new RunnerMetrics();
  const release = async () => {
    const steps: ShutdownStep[] = [
      ['queue depth', () => queueDepth?.close()],
      ['http', () => http?.close()],
      ['webhooks', () => webhooks?.close()],
      ['queue', () => layer?.close()],
    ];
    await runShutdownSteps(steps, logger);
    redis.disconnect();
  };
  try {
    // The service user decides the same-user rule (contract §3), so the API needs it as the worker does.
    const credentials = await resolveZoomCredentials(config, mode);
    layer = createQueueLayer({
      redis,
      prefix: config.QUEUE_PREFIX,
      jobEncryptionKey: config.JOB_ENCRYPTION_KEY,
      serviceUser: credentials.botUser,
      urlPolicy: new OutboundUrlPolicy({ allowlist: config.OUTBOUND_URL_ALLOWLIST }),
    });
    const app = createApiApp({
      layer,
      redis,
      config,
      logger,
      metrics,
      apiKeys: options.apiKeys,
      dashboardLogin: options.dashboardLogin,
      pages: options.worker !== undefined,
      readiness: {
        accepting: () => options.worker === undefined || (worker?.worker.accepting() ?? false),
        shuttingDown: () => shuttingDown,
      },
    });
    http = await startHttpServer(app, { port: config.API_PORT });
    webhooks = startWebhookDispatcher({
      redis,
      redisUrl: config.REDIS_URL,
      prefix: config.QUEUE_PREFIX,
      config,
      logger,
      metrics,
    });
    if (options.worker) {
      worker = await startWorkerRuntime({
        config,
        mode,
        logger,
        name: options.worker.name,
        // One registry: the API's /metrics shows the worker's bots too.
        host: { http, redis, layer, metrics },
      });
    } else {
      // The API also competes for the queue-depth lease: an autoscaler can then scale workers from zero.
      queueDepth = new QueueDepthReporter({
        redis,
        prefix: config.QUEUE_PREFIX,
        queue: layer.queue,
        metrics,
      });
      queueDepth.start();
    }
  } catch (error) {
    await release();
    throw error;
  }
  const running = { http, layer };
  let stopping: Promise<void> | undefined;
  return {
    ...running,
    worker,
    shutdown: (shutdownMode) => {
      stopping ??= (async () => {
        shuttingDown = true;
        try {
          await worker?.shutdown(shutdownMode);
        } catch (error) {
          logger.error({ step: 'worker', err: (error as Error).message }, 'shutdown step failed');
        }
        await release();
      })();
      return stopping;
    },
  };
}
