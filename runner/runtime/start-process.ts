import { loadSimConfig } from '../../zoom-sim/sim-config.js';
import { createApiApp } from '../api/api-app.js';
import type { BrowserPool } from '../browser/browser-pool.js';
import { CONFIG_TABLE, type Config } from '../config/config-table.js';
import type { Mode } from '../config/mode.js';
import type { EnvApiKey } from '../config/tenant-values.js';
import type { RunningHttpServer } from '../http/http-server.js';
import type { Logger } from '../log/logger.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import type { QueueLayer } from '../queue/queue-layer.js';
import { derived, fixed, type Ref } from './part.js';
import { addBotParts, addDeploymentParts, addQueueParts } from './part-groups.js';
import { embeddedBotsPart } from './parts/embedded-bots.js';
import { httpServerPart } from './parts/http-server.js';
import { redisEndpointPart } from './parts/redis-endpoint.js';
import { newRunPrefix, runPrefixPart } from './parts/run-prefix.js';
import type { ConfiguredMode } from './parts/zoom-credentials.js';
import { simMeetingPart, zoomSimPart } from './parts/zoom-sim.js';
import { processReadiness } from './readiness.js';
import { Runtime } from './runtime.js';

export interface StartProcessOptions {
  /** The environment as given: whether REDIS_URL and QUEUE_PREFIX were set, and the sim's own settings. */
  env: Readonly<Record<string, string | undefined>>;
  config: Config;
  /** `resolveMode(config)`: `embedded` runs a zoom-sim in this process. */
  mode: Mode;
  logger: Logger;
  /** Worker name shown in the dashboard. */
  name: string;
  /** Keys accepted instead of API_KEYS (the embedded default generates one). */
  apiKeys?: readonly EnvApiKey[] | undefined;
  /** Dashboard login instead of DASHBOARD_USER/PASSWORD (the embedded default generates one). */
  dashboardLogin?: { user: string; password: string } | undefined;
  /** Lines for the operator (a private redis-server is running). */
  say: (line: string) => void;
  /** Lines about the machine (a system package being installed). */
  warn: (line: string) => void;
}

export interface StartProcess {
  readonly runtime: Runtime;
  readonly http: RunningHttpServer;
  readonly layer: QueueLayer;
  readonly pool: BrowserPool;
  /** The embedded default's zoom-sim and demo meeting; undefined with a mode configured. */
  readonly embedded: { url: string; meetingNumber: string } | undefined;
  /** QUEUE_PREFIX this run uses (its own one in the embedded default unless QUEUE_PREFIX is set). */
  readonly prefix: string;
}

/**
 * `zoom-bot-runner start`: the api's parts and a worker's, on one Redis connection, one queue layer and
 * one HTTP server. With no mode configured (the embedded default, docs/contract.md §1) it first runs a
 * zoom-sim with a demo meeting, keeps to a QUEUE_PREFIX of its own (removed when it stops) unless
 * QUEUE_PREFIX is set, and on a stop its bots leave their meetings before the worker shuts down.
 */
export function declareStartProcess(options: StartProcessOptions): StartProcess {
  const { env, logger } = options;
  const embeddedDefault = options.mode.kind === 'embedded';
  const ownPrefix = embeddedDefault && !env.QUEUE_PREFIX?.trim() ? newRunPrefix() : undefined;
  const config: Config = Object.freeze({
    ...options.config,
    QUEUE_PREFIX: ownPrefix ?? options.config.QUEUE_PREFIX,
  });
  const runtime = new Runtime('start', logger);
  const metrics = new RunnerMetrics();
  const redisUrl = runtime.add(
    redisEndpointPart({
      configuredUrl: env.REDIS_URL?.trim() ? env.REDIS_URL.trim() : undefined,
      defaultUrl: CONFIG_TABLE.REDIS_URL.default,
      say: options.say,
      warn: options.warn,
    }),
  );
  let mode: Ref<ConfiguredMode>;
  let embedded: Ref<{ url: string; meetingNumber: string }> | undefined;
  if (options.mode.kind === 'embedded') {
    const sim = runtime.add(zoomSimPart(loadSimConfig(env, { port: 0, host: '127.0.0.1' })));
    const meeting = runtime.add(simMeetingPart(sim));
    mode = derived(() => ({ kind: 'sim', simUrl: sim.value.url }));
    embedded = derived(() => ({ url: sim.value.url, meetingNumber: meeting.value.meetingNumber }));
  } else {
    mode = fixed(options.mode);
  }
  const queue = addQueueParts(runtime, { config, mode, redisUrl, logger });
  const { redis, layer } = queue;
  // Closed after the bots and deliveries, before the queue layer: removes the run's keys.
  if (ownPrefix !== undefined) runtime.add(runPrefixPart({ prefix: ownPrefix, redis }));
  const http = runtime.add(
    httpServerPart({
      port: config.API_PORT,
      app: () =>
        createApiApp({
          layer: layer.value,
          config,
          logger,
          metrics,
          apiKeys: options.apiKeys,
          dashboardLogin: options.dashboardLogin,
          pages: true,
          readiness: processReadiness(runtime, redis),
        }),
    }),
  );
  addDeploymentParts(runtime, { ...queue, config, redisUrl, metrics, logger });
  const { pool } = addBotParts(runtime, {
    ...queue,
    config,
    mode,
    redisUrl,
    http,
    metrics,
    logger,
    name: options.name,
    shutdownMode: () => config.SHUTDOWN_MODE,
  });
  if (embedded !== undefined) {
    runtime.add(
      // Half the grace: the worker's own handoff and the rest of the shutdown come after.
      embeddedBotsPart({ layer, sim: embedded, timeoutMs: (config.SHUTDOWN_GRACE_SEC * 1000) / 2, logger }),
    );
  }
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
    get embedded() {
      return embedded?.value;
    },
    prefix: config.QUEUE_PREFIX,
  };
}
