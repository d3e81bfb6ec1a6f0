import { Hono } from 'hono';
import { type Readiness, registerHealthRoutes } from '../http/health-routes.js';
import { registerMetricsRoute } from '../metrics/metrics-route.js';
import type { RunnerMetrics } from '../metrics/runner-metrics.js';
import { pageBuildDir } from '../web/page-build.js';
import { registerPageRoutes } from '../web/page-routes.js';

/** A worker's HTTP app: /livez, /readyz, /metrics and the bot pages its own Chromium loads. */
export function createWorkerApp(input: { metrics: RunnerMetrics; readiness: Readiness }): Hono {
  const app = new Hono();
  registerPageRoutes(app, { buildDir: pageBuildDir() });
  registerMetricsRoute(app, input.metrics);
  registerHealthRoutes(app, input.readiness);
  return app;
}
