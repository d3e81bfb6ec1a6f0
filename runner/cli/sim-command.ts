import { loadSimConfig } from '../../zoom-sim/sim-config.js';
import { createLogger } from '../log/logger.js';
import { zoomSimPart } from '../runtime/parts/zoom-sim.js';
import { Runtime } from '../runtime/runtime.js';
import { runUntilSignal } from '../runtime/signals.js';
import { CliUsageError, type Env, parseFlags } from './command.js';

const HELP = `Usage: zoom-bot-runner sim [--port N] [--host ADDRESS]

Runs zoom-sim: OAuth at /oauth/token, the REST API under /v2, the control API under /_sim and the
participant WebSocket, on one port. Configured by the same ZOOM_* variables as the runner
(see zoom-sim/README.md for its defaults); ZOOM_SIM_PORT and ZOOM_SIM_HOST set the address.

Options:
  --port N        port to listen on (default 9090; 0 picks a free one)
  --host ADDRESS  address to bind (default 127.0.0.1)
  -h, --help      this text
`;

export async function runSimCommand(args: string[], env: Env): Promise<number> {
  const values = parseFlags(args, { port: { type: 'string' }, host: { type: 'string' } }, HELP);
  if (!values) return 0;
  if (values.port !== undefined && !/^\d+$/.test(values.port)) {
    throw new CliUsageError(
      `--port must be a whole number between 0 and 65535 (got ${JSON.stringify(values.port)})`,
    );
  }
  const config = loadSimConfig(env, {
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
  });
  const logger = createLogger({ level: 'warn', name: 'sim' });
  const runtime = new Runtime('sim', logger);
  const sim = runtime.add(zoomSimPart(config));
  return await runUntilSignal(runtime, {
    logger,
    onStarted: () => process.stdout.write(`zoom-sim listening on ${sim.value.url}\n`),
  });
}
