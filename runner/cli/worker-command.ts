import { hostname } from 'node:os';
import { assertChromiumExecutable } from '../browser/chromium-executable.js';
import { loadConfig } from '../config/load-config.js';
import { requireConfiguredMode } from '../config/mode.js';
import { createLogger } from '../log/logger.js';
import { startWorkerRuntime } from '../worker/worker-runtime.js';
import { type Env, parseFlags, untilSignal } from './command.js';

const HELP = `Usage: zoom-bot-runner worker [--name NAME]

Runs bots: takes jobs from the queue, joins meetings in headless Chromium, keeps bots in them.
Needs a mode (ZOOM_SIM_URL, or the ZOOM_* credentials). Serves /livez, /readyz and /metrics on
API_PORT. On SIGTERM it follows SHUTDOWN_MODE (handoff: requeue every bot for another worker within
SHUTDOWN_GRACE_SEC; drain: wait for the meetings to end).

Options:
  --name NAME   worker name shown in the dashboard (default: host name and pid)
  -h, --help    this text
`;

export async function runWorkerCommand(args: string[], env: Env): Promise<number> {
  const values = parseFlags(args, { name: { type: 'string' } }, HELP);
  if (!values) return 0;
  const config = loadConfig(env);
  const mode = requireConfiguredMode(config, 'worker');
  assertChromiumExecutable(config.CHROMIUM_PATH);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'worker' });
  const runtime = await startWorkerRuntime({
    config,
    mode,
    logger,
    name: values.name ?? `${hostname()}-${process.pid}`,
  });
  logger.info({ url: runtime.http.url, mode: mode.kind }, 'worker ready');
  const signal = await untilSignal();
  logger.info({ signal, shutdownMode: config.SHUTDOWN_MODE }, 'worker stopping');
  await runtime.shutdown(config.SHUTDOWN_MODE);
  return 0;
}
