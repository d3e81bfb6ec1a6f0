import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Config } from '../config/config-table.js';
import type { EnvApiKey } from '../config/tenant-values.js';
import { registerDashboard } from '../dashboard/dashboard-routes.js';
import { registerFleet } from '../dashboard/fleet-routes.js';
import { type Readiness, registerHealthRoutes } from '../http/health-routes.js';
import type { Logger } from '../log/logger.js';
import { registerMetricsRoute } from '../metrics/metrics-route.js';
import type { RunnerMetrics } from '../metrics/runner-metrics.js';
import type { QueueLayer } from '../queue/queue-layer.js';
import { pageBuildDir } from '../web/page-build.js';
import { registerPageRoutes } from '../web/page-routes.js';
import { apiKeyAuth } from './api-auth.js';
import { apiErrors, errorResponse } from './api-errors.js';
import { auditLog } from './audit-log.js';
import { deleteBot } from './bot.delete.js';
import { getBot } from './bot.get.js';
import { getBotEvents } from './bot-events.get.js';
import { getBots } from './bots.get.js';
import { postBots } from './bots.post.js';
import { postChat } from './chat.post.js';
import { getMeetingEvents } from './meeting-events.get.js';
import { streamMeetingEvents } from './meeting-events-stream.get.js';
import { getOpenApi } from './openapi.get.js';
import { getParticipants } from './participants.get.js';

/** A bot request is well under 4 KiB; 64 KiB leaves room for metadata and refuses anything abusive. */
export const API_BODY_LIMIT_BYTES = 64 * 1024;

export interface ApiAppOptions {
  layer: QueueLayer;
  config: Config;
  logger: Logger;
  /** Serves `/metrics` when given. */
  metrics?: RunnerMetrics | undefined;
  /** Keys accepted instead of `config.API_KEYS` (the `start` command's generated key). */
  apiKeys?: readonly EnvApiKey[] | undefined;
  /** `/readyz` checks (the process's, from runner/runtime/readiness.ts). */
  readiness: Readiness;
  /** Serves the bot page builds (for a worker sharing this port); default true. */
  pages?: boolean | undefined;
  /** Dashboard credentials instead of DASHBOARD_USER/PASSWORD (the `start` command's generated ones). */
  dashboardLogin?: { user: string; password: string } | undefined;
  /** Heartbeat of the meeting-event SSE streams (default 15 s; tests shorten it). */
  meetingEventHeartbeatMs?: number | undefined;
}

/**
 * The runner's HTTP app: docs/contract.md §6 under `/v1` (API keys and tenants as §10, body limit, one
 * error mapping, an audit line per mutating call), plus `/livez`, `/readyz`, `/metrics`, the
 * dashboard (`/admin/queues`) and the bot pages, so one port serves everything.
 */
export function createApiApp(options: ApiAppOptions): Hono {
  const { layer, config, logger } = options;
  const service = layer.service;
  const app = new Hono();
  app.onError((error, c) => errorResponse(error, c, logger));
  app.notFound((c) => errorResponse(apiErrors.notFound(c.req.path), c, logger));

  registerHealthRoutes(app, options.readiness);
  if (options.metrics) registerMetricsRoute(app, options.metrics);
  if (options.pages !== false) registerPageRoutes(app, { buildDir: pageBuildDir() });

  app.use(
    '/v1/*',
    apiKeyAuth({
      envKeys: options.apiKeys ?? config.API_KEYS ?? [],
      envPolicy: {
        zoomUsers: config.TENANT_ZOOM_USERS ?? {},
        maxLiveBots: config.TENANT_MAX_LIVE_BOTS,
        ratePerSec: config.TENANT_RATE_PER_SEC,
      },
      store: layer.apiKeys,
    }),
  );
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
  app.post('/v1/bots', auditLog(logger, 'bot.create'), postBots(service));
  app.get('/v1/bots', getBots(service));
  app.get('/v1/bots/:id', getBot(service));
  app.delete('/v1/bots/:id', auditLog(logger, 'bot.leave'), deleteBot(service));
  app.get('/v1/bots/:id/events', getBotEvents(service));
  // docs/contract.md §11: what the bot sees and says in its meeting.
  const meetings = layer.meetings;
  meetings.useMetrics(options.metrics);
  app.get('/v1/bots/:id/meeting-events', getMeetingEvents(meetings));
  app.get(
    '/v1/bots/:id/meeting-events/stream',
    streamMeetingEvents(meetings, {
      metrics: options.metrics,
      heartbeatMs: options.meetingEventHeartbeatMs,
      keys: layer.apiKeys,
      maxPerTenant: config.SSE_MAX_PER_TENANT,
    }),
  );
  app.get('/v1/bots/:id/participants', getParticipants(meetings));
  app.post('/v1/bots/:id/chat', auditLog(logger, 'bot.chat'), postChat(meetings));
  const dashboardConfig = {
    DASHBOARD_USER: options.dashboardLogin?.user ?? config.DASHBOARD_USER,
    DASHBOARD_PASSWORD: options.dashboardLogin?.password ?? config.DASHBOARD_PASSWORD,
    DASHBOARD_READONLY: config.DASHBOARD_READONLY,
  };
  registerDashboard(app, { queues: [layer.queue], config: dashboardConfig });
  // The fleet page (/admin/fleet): on and off with the dashboard, behind the same login.
  registerFleet(app, { redis: layer.redis, prefix: config.QUEUE_PREFIX, config: dashboardConfig });
  return app;
}
