import type { Hono } from 'hono';

export interface Readiness {
  /** Redis answers PING. */
  redis: () => Promise<boolean>;
  /** The process takes new work (a worker with free slots, an API accepting requests). */
  accepting: () => boolean;
  /** SIGTERM received: the process is on its way out. */
  shuttingDown: () => boolean;
}

/**
 * `/livez`: the event loop answers (a container restarts only when this fails). `/readyz`: send work
 * here — Redis reachable, accepting work, not shutting down; 503 with the failing checks otherwise.
 */
export function registerHealthRoutes(app: Hono, readiness: Readiness): void {
  app.get('/livez', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const redis = await readiness.redis().catch(() => false);
    const checks = { redis, accepting: readiness.accepting(), shuttingDown: readiness.shuttingDown() };
    const ready = checks.redis && checks.accepting && !checks.shuttingDown;
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
}
