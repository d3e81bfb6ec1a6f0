import { startApiRuntime } from '../api/api-runtime.js';
import { loadConfig } from '../config/load-config.js';
import { requireConfiguredMode } from '../config/mode.js';
import { createLogger } from '../log/logger.js';
import { type Env, parseFlags, untilSignal } from './command.js';

const HELP = `Usage: zoom-bot-runner api

Serves the HTTP API (contract §6) on API_PORT: /v1/bots, /v1/openapi.json, and /livez, /readyz,
/metrics. Runs no bots: workers take the jobs it queues. Needs a mode (ZOOM_SIM_URL, or the ZOOM_*
credentials) and API_KEYS (comma-separated); without API_KEYS every /v1 request is refused with 401.
Clients send 'Authorization: Bearer <key>'.

Options:
  -h, --help    this text
`;

export async function runApiCommand(args: string[], env: Env): Promise<number> {
  if (!parseFlags(args, {}, HELP)) return 0;
  const config = loadConfig(env);
  const mode = requireConfiguredMode(config, 'api');
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api' });
  const runtime = await startApiRuntime({ config, mode, logger });
  if (config.API_KEYS === undefined || config.API_KEYS.length === 0) {
    logger.warn('API_KEYS is not set: every /v1 request is refused with 401 until it is');
  }
  logger.info({ url: runtime.http.url, mode: mode.kind }, 'api ready');
  const signal = await untilSignal();
  logger.info({ signal }, 'api stopping');
  await runtime.shutdown(config.SHUTDOWN_MODE);
  return 0;
}
