import { loadConfig } from '../config/load-config.js';
import { requireConfiguredMode } from '../config/mode.js';
import { createLogger } from '../log/logger.js';
import { declareApiProcess } from '../runtime/api-process.js';
import { runUntilSignal, stopDeadlineMs } from '../runtime/signals.js';
import { type Env, parseFlags } from './command.js';

const HELP = `Usage: zoom-bot-runner api

Serves the HTTP API (docs/contract.md §6) on API_PORT: /v1/bots, /v1/openapi.json, and /livez, /readyz,
/metrics. Runs no bots: workers take the jobs it queues. Needs a mode (ZOOM_SIM_URL, or the ZOOM_*
credentials) and keys: API_KEYS (comma-separated tenant:key entries) or keys made with
'zoom-bot-runner keys create'; with neither, every /v1 request is refused with 401.
Clients send 'Authorization: Bearer <key>'.

Options:
  -h, --help    this text
`;

export async function runApiCommand(args: string[], env: Env): Promise<number> {
  if (!parseFlags(args, {}, HELP)) return 0;
  const config = loadConfig(env);
  const mode = requireConfiguredMode(config, 'api');
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api' });
  if (config.API_KEYS === undefined || config.API_KEYS.length === 0) {
    logger.warn('API_KEYS is not set: only keys made with `zoom-bot-runner keys create` are accepted on /v1');
  }
  const api = declareApiProcess({ config, mode, logger });
  return await runUntilSignal(api.runtime, {
    logger,
    stopDeadlineMs: stopDeadlineMs(config, false),
    onStarted: () => logger.info({ url: api.http.url, mode: mode.kind }, 'api ready'),
  });
}
