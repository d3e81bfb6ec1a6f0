import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { startZoomSim } from '../../zoom-sim/server.js';
import { loadSimConfig } from '../../zoom-sim/sim-config.js';
import { startApiRuntime } from '../api/api-runtime.js';
import { assertChromiumExecutable } from '../browser/chromium-executable.js';
import { CONFIG_TABLE, type Config } from '../config/config-table.js';
import { loadConfig } from '../config/load-config.js';
import { type Mode, resolveMode } from '../config/mode.js';
import { DASHBOARD_BASE_PATH } from '../dashboard/dashboard-routes.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { BotService } from '../queue/bot-service.js';
import { redisForStart } from '../redis/redis-for-start.js';
import { ensureStartPage } from '../web/page-build.js';
import { type Env, parseFlags, untilSignal } from './command.js';

const HELP = `Usage: zoom-bot-runner start

Runs the API, one worker and the dashboard in one process, all on API_PORT.

With ZOOM_SIM_URL or the ZOOM_* credentials set it uses that Zoom. With neither (the embedded
default) it starts a zoom-sim inside this process on a free port, creates a demo meeting in it, and
prints the API URL, an API key, the dashboard URL and login, a curl that adds a bot to the demo
meeting and the curl that drops it in the sim, to watch it rejoin. The API key and the dashboard login
are generated for this run unless API_KEYS / DASHBOARD_USER and DASHBOARD_PASSWORD are set. With a
mode configured and no API_KEYS, every /v1 request is refused with 401 (and the dashboard is off
without DASHBOARD_USER and DASHBOARD_PASSWORD).

Before starting anything it checks CHROMIUM_PATH and Redis: with REDIS_URL set, that Redis must
answer; with REDIS_URL unset and nothing answering on redis://127.0.0.1:6379, it runs a private
redis-server from the PATH for this run (nothing is kept). From a source checkout it rebuilds the bot
page when it is out of date.

Options:
  -h, --help    this text
`;

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** What the embedded default prints: enough to add a bot and drop it without reading any docs. */
export function startBanner(input: {
  apiUrl: string;
  apiKey: string | undefined;
  /** `generated`: printed; `configured`: from DASHBOARD_USER/PASSWORD; undefined: off. */
  dashboard: { user: string; password: string } | 'configured' | undefined;
  sim?: { url: string; meetingNumber: string } | undefined;
}): string {
  const { apiUrl, apiKey, dashboard, sim } = input;
  const dashboardLine =
    dashboard === undefined
      ? 'Dashboard: off (set DASHBOARD_USER and DASHBOARD_PASSWORD)'
      : dashboard === 'configured'
        ? `Dashboard: ${apiUrl}${DASHBOARD_BASE_PATH}   (DASHBOARD_USER / DASHBOARD_PASSWORD)`
        : `Dashboard: ${apiUrl}${DASHBOARD_BASE_PATH}   user ${dashboard.user}, password ${dashboard.password} (generated for this run)`;
  const body = JSON.stringify({
    meetingNumber: sim?.meetingNumber ?? '<meeting number>',
    displayName: 'Demo bot',
    auth: { type: 'zak' },
  });
  const lines = [
    '',
    `API:       ${apiUrl}/v1   (OpenAPI: ${apiUrl}/v1/openapi.json)`,
    apiKey !== undefined
      ? `API key:   ${apiKey}   (generated for this run; set API_KEYS to choose your own)`
      : 'API key:   one of API_KEYS (export API_KEY=<key> for the curl below)',
    dashboardLine,
    `Health:    ${apiUrl}/readyz   Metrics: ${apiUrl}/metrics`,
    '',
    sim ? `Add a bot to the demo meeting ${sim.meetingNumber}:` : 'Add a bot:',
    `  curl -sS -X POST ${apiUrl}/v1/bots -H ${shellQuote(`Authorization: Bearer ${apiKey ?? '$API_KEY'}`)}` +
      ` -H 'Content-Type: application/json' -d ${shellQuote(body)}`,
    '',
  ];
  if (sim) {
    const meeting = `${sim.url}/_sim/meetings/${sim.meetingNumber}`;
    lines.push(
      "Drop it in the sim and watch it rejoin (take the participant's id from the meeting; its customerKey is the bot id):",
      `  curl -sS ${meeting}`,
      `  curl -sS -X POST ${meeting}/participants/<participant id>/drop`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

interface EmbeddedSim {
  url: string;
  meetingNumber: string;
  close(): Promise<void>;
}

/** Contract §1 embedded default: a zoom-sim in this process on a free local port, with a demo meeting. */
async function startEmbeddedSim(env: Env): Promise<EmbeddedSim> {
  const sim = await startZoomSim(loadSimConfig(env, { port: 0, host: '127.0.0.1' }));
  try {
    const response = await fetch(`${sim.url}/_sim/meetings`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    if (response.status !== 201) throw new Error(`demo meeting not created: HTTP ${response.status}`);
    const { number } = (await response.json()) as { number: string };
    return { url: sim.url, meetingNumber: number, close: () => sim.close() };
  } catch (error) {
    await sim.close();
    throw error;
  }
}

export async function runStartCommand(args: string[], env: Env): Promise<number> {
  if (!parseFlags(args, {}, HELP)) return 0;
  const given: Config = loadConfig(env);
  const configured = resolveMode(given);
  // Prerequisites first, each with its own message and install command, before anything starts.
  assertChromiumExecutable(given.CHROMIUM_PATH);
  const redis = await redisForStart(
    env.REDIS_URL?.trim() ? env.REDIS_URL.trim() : undefined,
    CONFIG_TABLE.REDIS_URL.default,
  );
  const cleanups: Array<() => Promise<void>> = [];
  const cleanUp = async () => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    const config = redis.privateServer ? loadConfig({ ...env, REDIS_URL: redis.url }) : given;
    const logger = createLogger({ level: config.LOG_LEVEL, name: 'start' });
    if (redis.privateServer) {
      const server = redis.privateServer;
      cleanups.push(() => server.stop());
      process.stdout.write(
        `REDIS_URL is not set and nothing answers on ${CONFIG_TABLE.REDIS_URL.default}: running a private redis-server for this run at ${redis.url} (nothing is kept after it stops).\n`,
      );
    }
    if (await ensureStartPage(configured.kind === 'zoom' ? 'zoom' : 'sim')) {
      logger.info('bot page was out of date: rebuilt');
    }
    return await runStarted(env, config, configured, logger, cleanups);
  } finally {
    await cleanUp();
  }
}

async function runStarted(
  env: Env,
  config: Config,
  configured: Mode,
  logger: Logger,
  cleanups: Array<() => Promise<void>>,
): Promise<number> {
  let sim: EmbeddedSim | undefined;
  let mode: Exclude<Mode, { kind: 'embedded' }>;
  if (configured.kind === 'embedded') {
    const started = await startEmbeddedSim(env);
    sim = started;
    cleanups.push(() => started.close());
    mode = { kind: 'sim', simUrl: sim.url };
  } else {
    mode = configured;
  }
  const hasKeys = config.API_KEYS !== undefined && config.API_KEYS.length > 0;
  // Embedded default only: a first run must work without configuring anything, yet never be open.
  const generatedKey = sim && !hasKeys ? `zbr_${randomBytes(24).toString('base64url')}` : undefined;
  const hasDashboardLogin = config.DASHBOARD_USER !== undefined && config.DASHBOARD_PASSWORD !== undefined;
  const generatedLogin =
    sim && !hasDashboardLogin
      ? { user: 'admin', password: randomBytes(12).toString('base64url') }
      : undefined;
  const runtime = await startApiRuntime({
    config,
    mode,
    logger,
    apiKeys: generatedKey !== undefined ? [generatedKey] : undefined,
    dashboardLogin: generatedLogin,
    worker: { name: `${hostname()}-${process.pid}` },
  });
  if (sim) {
    process.stdout.write(
      `\nNo Zoom mode configured (ZOOM_SIM_URL or the ZOOM_* credentials): running an embedded zoom-sim at ${sim.url}.\n` +
        'Bots join simulated meetings in it, not Zoom.\n',
    );
  } else if (!hasKeys) {
    logger.warn('API_KEYS is not set: every /v1 request is refused with 401 until it is');
  }
  const dashboard = generatedLogin ?? (hasDashboardLogin ? 'configured' : undefined);
  process.stdout.write(startBanner({ apiUrl: runtime.http.url, apiKey: generatedKey, dashboard, sim }));
  logger.info({ url: runtime.http.url, mode: sim ? 'embedded' : configured.kind }, 'start ready');
  const signal = await untilSignal();
  logger.info({ signal, shutdownMode: config.SHUTDOWN_MODE }, 'start stopping');
  try {
    if (sim) await leaveEveryBot(runtime.layer.service, config.SHUTDOWN_GRACE_SEC * 1000, logger);
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'bots could not all be asked to leave');
  } finally {
    await runtime.shutdown(config.SHUTDOWN_MODE);
  }
  return 0;
}

/**
 * The embedded sim stops with this process, and its meetings with it: a handed-off bot would wait in
 * the queue for a meeting that no longer exists. So its bots leave and end `left_by_request` first.
 */
async function leaveEveryBot(service: BotService, timeoutMs: number, logger: Logger): Promise<void> {
  const live: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await service.list({ limit: 100, ...(cursor !== undefined ? { cursor } : {}) });
    for (const bot of page.items) if (bot.state !== 'ended') live.push(bot.id);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  if (live.length === 0) return;
  logger.info({ bots: live.length }, 'embedded sim stopping: bots leave their meetings');
  await Promise.all(live.map((id) => service.leave(id).catch(() => undefined)));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const views = await Promise.all(live.map((id) => service.get(id).catch(() => undefined)));
    if (views.every((view) => view === undefined || view.state === 'ended')) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  logger.warn('bots still leaving at the end of SHUTDOWN_GRACE_SEC; stopping anyway');
}
