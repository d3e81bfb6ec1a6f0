import type { Hono } from 'hono';

export interface Readiness {
  /** Redis answers PING. */
  redis: () => Promise<boolean>;
  /** The process takes new work (a worker with free slots, an API accepting requests). */
  accepting: () => boolean;
  /** SIGTERM received: the process is on its way out. */
  shuttingDown: () => boolean;
  /** False once the process is broken for good (its job loop died): `/livez` fails, the orchestrator restarts it. */
  alive?: () => boolean;
}

/**
 * `/livez`: the event loop answers and nothing is broken for good (a container restarts only when
 * this fails). `/readyz`: send work
 * here — Redis reachable, accepting work, not shutting down; 503 with the failing checks otherwise.
 */
export function registerHealthRoutes(app: Hono, readiness: Readiness): void {
  app.get('/livez', (c) =>
    (readiness.alive?.() ?? true) ? c.json({ status: 'ok' }) : c.json({ status: 'dead' }, 503),
  );
  app.get('/readyz', async (c) => {
    const redis = await readiness.redis().catch(() => false);
    const checks = { redis, accepting: readiness.accepting(), shuttingDown: readiness.shuttingDown() };
    const ready = checks.redis && checks.accepting && !checks.shuttingDown;
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
}

/** Readiness of an app outside a process runtime (tests): Redis answers PING, nothing else is checked. */
export function redisReadiness(redis: { ping(): Promise<string> }): Readiness {
  return {
    redis: async () => (await redis.ping()) === 'PONG',
    accepting: () => true,
    shuttingDown: () => false,
  };
}
