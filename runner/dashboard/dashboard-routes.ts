import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import type { Hono, MiddlewareHandler } from 'hono';
import type { Config } from '../config/config-table.js';
import { redactJobData } from '../queue/job-data.js';

export const DASHBOARD_BASE_PATH = '/admin/queues';

export interface DashboardOptions {
  /** The queues shown; for the runner, the `bots` queue of `createQueueLayer`. */
  queues: readonly Queue[];
  config: Pick<Config, 'DASHBOARD_USER' | 'DASHBOARD_PASSWORD' | 'DASHBOARD_READONLY'>;
  /** Where the board lives (default `/admin/queues`, contract §6). */
  basePath?: string;
}

export type DashboardState = 'on' | 'off';

/**
 * Mounts bull-board on `app` at `basePath`, behind HTTP basic auth.
 *
 * - Off unless both DASHBOARD_USER and DASHBOARD_PASSWORD are set: every path under `basePath` then
 *   answers 404, so an unconfigured deployment does not even reveal that a dashboard exists.
 * - Read-only unless DASHBOARD_READONLY=false: bull-board answers 405 to retry, remove, promote,
 *   clean, pause and add, and hides those buttons.
 * - Job data, progress (the bot view mirrored by `BotStore`) and return values pass through
 *   `redactJobData`, so no passcode, registrant token, ZAK, OBF token or signature reaches the page.
 *   The bot's state and events stay readable in the job's progress tab.
 *
 * Mount it before any catch-all route of the caller.
 */
export function registerDashboard(app: Hono, options: DashboardOptions): DashboardState {
  const basePath = (options.basePath ?? DASHBOARD_BASE_PATH).replace(/\/+$/, '');
  const { DASHBOARD_USER: user, DASHBOARD_PASSWORD: password } = options.config;
  if (!user || !password) {
    app.all(basePath, (c) => c.notFound());
    app.all(`${basePath}/*`, (c) => c.notFound());
    return 'off';
  }
  const readOnlyMode = options.config.DASHBOARD_READONLY !== false;
  const adapters = options.queues.map((queue) => {
    const adapter = new BullMQAdapter(queue, { readOnlyMode, allowRetries: !readOnlyMode });
    adapter.setFormatter('data', redactJobData);
    adapter.setFormatter('progress', redactJobData);
    adapter.setFormatter('returnValue', redactJobData);
    return adapter;
  });
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(basePath);
  createBullBoard({
    queues: adapters,
    serverAdapter,
    // A job's progress is its bot view (state, events): the tab operators open a job for.
    options: {
      uiConfig: { boardTitle: 'zoom-bot-runner', hideDocsLink: true, jobDetails: { defaultTab: 'Progress' } },
    },
  });
  const auth = basicAuth(user, password);
  app.use(basePath, auth);
  app.use(`${basePath}/*`, auth);
  app.route(basePath, serverAdapter.registerPlugin());
  return 'on';
}

const REALM = 'Basic realm="zoom-bot-runner dashboard", charset="UTF-8"';

/**
 * Basic auth with a constant-time comparison: both sides are hashed first, so the comparison takes
 * the same time whatever the length or content of the guess.
 */
function basicAuth(user: string, password: string): MiddlewareHandler {
  const expected = digest(`${user}:${password}`);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const given = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    if (!timingSafeEqual(digest(given), expected)) {
      return c.text('Unauthorized', 401, { 'WWW-Authenticate': REALM });
    }
    await next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
