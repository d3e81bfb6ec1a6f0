import { createApiApp } from '../api/api-app.js';
import type { Config } from '../config/config-table.js';
import type { RunningHttpServer } from '../http/http-server.js';
import type { Logger } from '../log/logger.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import type { QueueLayer } from '../queue/queue-layer.js';
import { configuredRedisAddress } from '../redis/redis-address.js';
import { fixed } from './part.js';
import { addDeploymentParts, addQueueParts } from './part-groups.js';
import { httpServerPart } from './parts/http-server.js';
import type { ConfiguredMode } from './parts/zoom-credentials.js';
import { processReadiness } from './readiness.js';
import { Runtime } from './runtime.js';

export interface ApiProcessOptions {
  config: Config;
  mode: ConfiguredMode;
  logger: Logger;
}

/** A declared api process; its parts' values are readable once `runtime.start()` resolved. */
export interface ApiProcess {
  readonly runtime: Runtime;
  readonly http: RunningHttpServer;
  readonly layer: QueueLayer;
}

/**
 * `zoom-bot-runner api`: the HTTP API, the dashboard, /livez, /readyz and /metrics on API_PORT, webhook
 * delivery, and the queue-depth lease (so an autoscaler can scale workers from zero). Runs no bots.
 */
export function declareApiProcess(options: ApiProcessOptions): ApiProcess {
  const { config, logger } = options;
  const runtime = new Runtime('api', logger);
  const metrics = new RunnerMetrics();
  const redisUrl = fixed(configuredRedisAddress(config));
  const queue = addQueueParts(runtime, { config, mode: fixed(options.mode), redisUrl, logger });
  const { layer } = queue;
  const http = runtime.add(
    httpServerPart({
      port: config.API_PORT,
      app: () =>
        createApiApp({
          layer: layer.value,
          config,
          logger,
          metrics,
          pages: false,
          readiness: processReadiness(runtime, queue.redis),
        }),
    }),
  );
  addDeploymentParts(runtime, { ...queue, config, redisUrl, metrics, logger });
  return {
    runtime,
    get http() {
      return http.value;
    },
    get layer() {
      return layer.value;
    },
  };
}
