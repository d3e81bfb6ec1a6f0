import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import type { Hono } from 'hono';
import type { Config } from '../config/config-table.js';
import { redactJobData } from '../queue/job-data.js';
import { basicAuth } from './basic-auth.js';
import { botJobTitle } from './job-title.js';

export const DASHBOARD_BASE_PATH = '/admin/queues';

export interface DashboardOptions {
  /** The queues shown; for the runner, the `bots` queue of `createQueueLayer`. */
  queues: readonly Queue[];
  config: Pick<Config, 'DASHBOARD_USER' | 'DASHBOARD_PASSWORD' | 'DASHBOARD_READONLY'>;
  /** Where the board lives (default `/admin/queues`, docs/contract.md §6). */
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
 * - Each job is titled by its bot's state, display name and meeting number (`botJobTitle`).
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
    // Titles say state, name and meeting (job-title.ts): the job's BullMQ name stays `join`.
    adapter.setFormatter('name', botJobTitle);
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
