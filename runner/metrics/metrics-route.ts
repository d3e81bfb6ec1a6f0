import type { Hono } from 'hono';
import type { RunnerMetrics } from './runner-metrics.js';

export function registerMetricsRoute(app: Hono, metrics: RunnerMetrics): void {
  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.text());
  });
}
