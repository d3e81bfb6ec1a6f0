import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config/config-table.js';
import { BOT_QUEUE_NAME } from '../queue/queue-names.js';
import { basicAuth } from './basic-auth.js';
import { DASHBOARD_BASE_PATH, type DashboardState } from './dashboard-routes.js';
import { streamIdSchema } from './fleet-changes.js';
import { FLEET_PAGE_CSP, fleetPageHtml } from './fleet-page.js';
import { readFleetSnapshot } from './fleet-snapshot.js';

export const FLEET_BASE_PATH = '/admin/fleet';

/** The page polls this often: a few reads of Redis per operator every 2 s. */
export const FLEET_POLL_MS = 2_000;

export interface FleetOptions {
  /** The process' command connection (the queue layer's). */
  redis: Redis;
  /** QUEUE_PREFIX. */
  prefix: string;
  /** The dashboard's credentials: the fleet page is on and off with bull-board, behind the same login. */
  config: Pick<Config, 'DASHBOARD_USER' | 'DASHBOARD_PASSWORD'>;
  /** Where bull-board lives (its jobs are linked from every bot). */
  dashboardBasePath?: string;
  basePath?: string;
}

const dataQuerySchema = z.object({ since: streamIdSchema.optional().catch(undefined) });

/**
 * The fleet page at `/admin/fleet` and its data at `/admin/fleet/data` (JSON `FleetSnapshot`):
 * bots by state, meetings, workers, ends and rejoins over the last hour, recent changes. Everything
 * is read from Redis on each request, so any number of api processes answer alike.
 *
 * - Off (404) unless DASHBOARD_USER and DASHBOARD_PASSWORD are set, like bull-board; on, behind the
 *   same basic auth (401 with a challenge without it).
 * - Read-only whatever DASHBOARD_READONLY says: it has no action; anything but GET (and HEAD) is a 405.
 * - Shows no secret: only display names, meeting numbers, tenants, states, reasons, worker names and
 *   counts leave Redis through it (never a request, a webhook URL or a view's events).
 */
export function registerFleet(app: Hono, options: FleetOptions): DashboardState {
  const basePath = (options.basePath ?? FLEET_BASE_PATH).replace(/\/+$/, '');
  const paths = [basePath, `${basePath}/*`];
  const { DASHBOARD_USER: user, DASHBOARD_PASSWORD: password } = options.config;
  if (!user || !password) {
    for (const path of paths) app.all(path, (c) => c.notFound());
    return 'off';
  }
  const auth = basicAuth(user, password);
  for (const path of paths) app.use(path, auth);
  const board = (options.dashboardBasePath ?? DASHBOARD_BASE_PATH).replace(/\/+$/, '');
  const html = fleetPageHtml({
    dataUrl: `${basePath}/data`,
    jobBase: `${board}/queue/${BOT_QUEUE_NAME}/`,
    apiBase: '/v1/bots/',
    boardUrl: board,
    pollMs: FLEET_POLL_MS,
  });
  const page = () =>
    new Response(html, {
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': FLEET_PAGE_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      },
    });
  app.get(basePath, page);
  app.get(`${basePath}/`, page);
  app.get(`${basePath}/data`, async (c) => {
    const { since } = dataQuerySchema.parse(c.req.query());
    const snapshot = await readFleetSnapshot(options.redis, options.prefix, { since });
    c.header('Cache-Control', 'no-store');
    return c.json(snapshot);
  });
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], paths, (c) =>
    c.json({ error: { code: 'read_only', message: 'the fleet page is read-only' } }, 405, {
      Allow: 'GET, HEAD',
    }),
  );
  return 'on';
}
