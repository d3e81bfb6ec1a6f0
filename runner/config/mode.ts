import { ConfigError } from './config-error.js';
import type { Config } from './config-table.js';

/** docs/contract.md §1: which Zoom the runner talks to. */
export type Mode = { kind: 'sim'; simUrl: string } | { kind: 'zoom' } | { kind: 'embedded' };

export const ZOOM_CREDENTIAL_VARIABLES = [
  'ZOOM_ACCOUNT_ID',
  'ZOOM_CLIENT_ID',
  'ZOOM_CLIENT_SECRET',
  'ZOOM_SDK_KEY',
  'ZOOM_SDK_SECRET',
] as const;

export function resolveMode(config: Config): Mode {
  if (config.ZOOM_SIM_URL !== undefined) return { kind: 'sim', simUrl: config.ZOOM_SIM_URL };
  const mode = resolveZoomOrEmbedded(config);
  // The embedded default runs a zoom-sim of its own, so sim-client bots have a sim to join.
  if (mode.kind === 'zoom' && config.WORKER_PAGE_DRIVER === 'sim-client') {
    throw new ConfigError(
      'WORKER_PAGE_DRIVER=sim-client runs bots as zoom-sim participants without a browser: it needs ' +
        'sim mode (ZOOM_SIM_URL). Unset it, or set it to chromium, to join Zoom.',
      'WORKER_PAGE_DRIVER',
    );
  }
  return mode;
}

function resolveZoomOrEmbedded(config: Config): Mode {
  const present = ZOOM_CREDENTIAL_VARIABLES.filter((name) => config[name] !== undefined);
  if (present.length === ZOOM_CREDENTIAL_VARIABLES.length) {
    if (config.JOB_ENCRYPTION_KEY === undefined) {
      throw new ConfigError(
        'JOB_ENCRYPTION_KEY is required in Zoom mode (at least 32 characters)',
        'JOB_ENCRYPTION_KEY',
      );
    }
    return { kind: 'zoom' };
  }
  if (present.length > 0) {
    const missing = ZOOM_CREDENTIAL_VARIABLES.filter((name) => config[name] === undefined);
    throw new ConfigError(
      `Incomplete Zoom credentials: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing ` +
        `(set all of ${ZOOM_CREDENTIAL_VARIABLES.join(', ')}, or ZOOM_SIM_URL for a zoom-sim)`,
      missing[0],
    );
  }
  return { kind: 'embedded' };
}

/** `api` and `worker` never start an embedded sim: they need a mode configured. */
export function requireConfiguredMode(config: Config, command: string): Exclude<Mode, { kind: 'embedded' }> {
  const mode = resolveMode(config);
  if (mode.kind === 'embedded') {
    throw new ConfigError(
      `'${command}' needs a Zoom mode: set ZOOM_SIM_URL, or all of ${ZOOM_CREDENTIAL_VARIABLES.join(', ')}. ` +
        "Only 'start' runs an embedded zoom-sim.",
      'ZOOM_SIM_URL',
    );
  }
  return mode;
}
