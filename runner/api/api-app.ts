import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config-table.js';
import { registerDashboard } from '../dashboard/dashboard-routes.js';
import { type Readiness, registerHealthRoutes } from '../http/health-routes.js';
import type { Logger } from '../log/logger.js';
import { registerMetricsRoute } from '../metrics/metrics-route.js';
import type { RunnerMetrics } from '../metrics/runner-metrics.js';
import type { QueueLayer } from '../queue/queue-layer.js';
import { pageBuildDir } from '../web/page-build.js';
import { registerPageRoutes } from '../web/page-routes.js';
import { apiKeyAuth } from './api-auth.js';
import { apiErrors, errorResponse } from './api-errors.js';
import { deleteBot } from './bot.delete.js';
import { getBot } from './bot.get.js';
import { getBotEvents } from './bot-events.get.js';
import { getBots } from './bots.get.js';
import { postBots } from './bots.post.js';
import { getOpenApi } from './openapi.get.js';

/** A bot request is well under 4 KiB; 64 KiB leaves room for metadata and refuses anything abusive. */
export const API_BODY_LIMIT_BYTES = 64 * 1024;

export interface ApiAppOptions {
  layer: QueueLayer;
  /** The layer's connection, for `/readyz`. */
  redis: Redis;
  config: Config;
  logger: Logger;
  /** Serves `/metrics` when given. */
  metrics?: RunnerMetrics | undefined;
  /** Keys accepted instead of `config.API_KEYS` (the `start` command's generated key). */
  apiKeys?: readonly string[] | undefined;
  /** `/readyz` checks; by default: Redis answers PING, always accepting, never shutting down. */
  readiness?: Partial<Readiness> | undefined;
  /** Serves the bot page builds (for a worker sharing this port); default true. */
  pages?: boolean | undefined;
  /** Dashboard credentials instead of DASHBOARD_USER/PASSWORD (the `start` command's generated ones). */
  dashboardLogin?: { user: string; password: string } | undefined;
}

/**
 * The runner's HTTP app: contract §6 under `/v1` (API keys, body limit, one error mapping), plus
 * `/livez`, `/readyz`, `/metrics`, the dashboard (`/admin/queues`) and the bot pages, so one port
 * serves everything.
 */
export function createApiApp(options: ApiAppOptions): Hono {
  const { layer, config, logger } = options;
  const service = layer.service;
  const app = new Hono();
  app.onError((error, c) => errorResponse(error, c, logger));
  app.notFound((c) => errorResponse(apiErrors.notFound(c.req.path), c, logger));

  registerHealthRoutes(app, {
    redis: async () => (await options.redis.ping()) === 'PONG',
    accepting: () => true,
    shuttingDown: () => false,
    ...options.readiness,
  });
  if (options.metrics) registerMetricsRoute(app, options.metrics);
  if (options.pages !== false) registerPageRoutes(app, { buildDir: pageBuildDir() });

  app.use('/v1/*', apiKeyAuth(options.apiKeys ?? config.API_KEYS));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: API_BODY_LIMIT_BYTES,
      onError: () => {
        throw apiErrors.tooLarge(API_BODY_LIMIT_BYTES);
      },
    }),
  );
  app.get('/v1/openapi.json', getOpenApi());
  app.post('/v1/bots', postBots(service));
  app.get('/v1/bots', getBots(service));
  app.get('/v1/bots/:id', getBot(service));
  app.delete('/v1/bots/:id', deleteBot(service));
  app.get('/v1/bots/:id/events', getBotEvents(service));
  registerDashboard(app, {
    queues: [layer.queue],
    config: {
      DASHBOARD_USER: options.dashboardLogin?.user ?? config.DASHBOARD_USER,
      DASHBOARD_PASSWORD: options.dashboardLogin?.password ?? config.DASHBOARD_PASSWORD,
      DASHBOARD_READONLY: config.DASHBOARD_READONLY,
    },
  });
  return app;
}
