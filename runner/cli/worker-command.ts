import { hostname } from 'node:os';
import { assertChromiumExecutable } from '../browser/chromium-executable.js';
import { loadConfig } from '../config/load-config.js';
import { requireConfiguredMode } from '../config/mode.js';
import { createLogger } from '../log/logger.js';
import { runUntilSignal, stopDeadlineMs } from '../runtime/signals.js';
import { declareWorkerProcess } from '../runtime/worker-process.js';
import { type Env, parseFlags } from './command.js';

const HELP = `Usage: zoom-bot-runner worker [--name NAME]

Runs bots: takes jobs from the queue, joins meetings in headless Chromium, keeps bots in them
(WORKER_PAGE_DRIVER=sim-client: as zoom-sim participants without a browser, sim mode only).
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
  // sim-client bots run without a browser: no Chromium needed.
  if (config.WORKER_PAGE_DRIVER === 'chromium') assertChromiumExecutable(config.CHROMIUM_PATH);
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'worker' });
  const worker = declareWorkerProcess({
    config,
    mode,
    logger,
    name: values.name ?? `${hostname()}-${process.pid}`,
  });
  return await runUntilSignal(worker.runtime, {
    logger,
    stopDeadlineMs: stopDeadlineMs(config, true),
    // A worker that must stop for an unhandled error hands its bots off even when set to drain.
    onFatal: () => void worker.shutdown('handoff'),
    fatalDeadlineMs: stopDeadlineMs(config, false),
    onStarted: () => logger.info({ url: worker.http.url, mode: mode.kind }, 'worker ready'),
  });
}
