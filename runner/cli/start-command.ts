import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DEFAULT_TENANT } from '../../shared/tenant.js';
import { assertChromiumExecutable } from '../browser/chromium-executable.js';
import { loadConfig } from '../config/load-config.js';
import { resolveMode } from '../config/mode.js';
import { DASHBOARD_BASE_PATH } from '../dashboard/dashboard-routes.js';
import { ensureSystemPackages } from '../lifecycle/system-packages.js';
import { createLogger } from '../log/logger.js';
import { runUntilSignal, stopDeadlineMs } from '../runtime/signals.js';
import { declareStartProcess } from '../runtime/start-process.js';
import { ensureStartPage } from '../web/page-build.js';
import { type Env, parseFlags } from './command.js';

const HELP = `Usage: zoom-bot-runner start

Runs the API, one worker and the dashboard in one process, all on API_PORT.

With ZOOM_SIM_URL or the ZOOM_* credentials set it uses that Zoom. With neither (the embedded
default) it starts a zoom-sim inside this process on a free port, creates a demo meeting in it, and
prints the API URL, an API key, the dashboard URL and login, a curl that adds a bot to the demo
meeting and the curl that drops it in the sim, to watch it rejoin. The API key and the dashboard login
are generated for this run unless API_KEYS / DASHBOARD_USER and DASHBOARD_PASSWORD are set. With a
mode configured and no API_KEYS, only keys made with 'zoom-bot-runner keys create' are accepted on /v1
(and the dashboard is off without DASHBOARD_USER and DASHBOARD_PASSWORD).

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

export async function runStartCommand(args: string[], env: Env): Promise<number> {
  if (!parseFlags(args, {}, HELP)) return 0;
  const config = loadConfig(env);
  const mode = resolveMode(config);
  // Prerequisites first, each with its own message and install command, before anything starts.
  // Where this process may install system packages (root with apt), a missing Chromium is installed.
  const warn = (line: string) => process.stderr.write(`${line}\n`);
  await ensureSystemPackages({ chromiumPath: config.CHROMIUM_PATH }, { log: warn });
  assertChromiumExecutable(config.CHROMIUM_PATH);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'start' });
  if (await ensureStartPage(mode.kind === 'zoom' ? 'zoom' : 'sim')) {
    logger.info('bot page was out of date: rebuilt');
  }
  const embedded = mode.kind === 'embedded';
  const hasKeys = config.API_KEYS !== undefined && config.API_KEYS.length > 0;
  // Embedded default only: a first run must work without configuring anything, yet never be open.
  const generatedKey = embedded && !hasKeys ? `zbr_${randomBytes(24).toString('base64url')}` : undefined;
  const hasDashboardLogin = config.DASHBOARD_USER !== undefined && config.DASHBOARD_PASSWORD !== undefined;
  const generatedLogin =
    embedded && !hasDashboardLogin
      ? { user: 'admin', password: randomBytes(12).toString('base64url') }
      : undefined;
  const started = declareStartProcess({
    env,
    config,
    mode,
    logger,
    name: `${hostname()}-${process.pid}`,
    apiKeys: generatedKey !== undefined ? [{ tenant: DEFAULT_TENANT, key: generatedKey }] : undefined,
    dashboardLogin: generatedLogin,
    say: (line) => process.stdout.write(`${line}\n`),
    warn,
  });
  return await runUntilSignal(started.runtime, {
    logger,
    stopDeadlineMs: stopDeadlineMs(config, true),
    fatalDeadlineMs: stopDeadlineMs(config, false),
    onStarted: () => {
      const sim = started.embedded;
      if (sim) {
        process.stdout.write(
          `\nNo Zoom mode configured (ZOOM_SIM_URL or the ZOOM_* credentials): running an embedded zoom-sim at ${sim.url}.\n` +
            `Bots join simulated meetings in it, not Zoom. This run keeps its bots under QUEUE_PREFIX=${started.prefix}.\n`,
        );
      } else if (!hasKeys) {
        logger.warn(
          'API_KEYS is not set: only keys made with `zoom-bot-runner keys create` are accepted on /v1',
        );
      }
      const dashboard = generatedLogin ?? (hasDashboardLogin ? 'configured' : undefined);
      process.stdout.write(startBanner({ apiUrl: started.http.url, apiKey: generatedKey, dashboard, sim }));
      logger.info({ url: started.http.url, mode: mode.kind, prefix: started.prefix }, 'start ready');
    },
  });
}
