import { type DestinationStream, type Logger, pino } from 'pino';
import { redactionPaths } from './redaction.js';

export type { Logger };

export interface LoggerOptions {
  level: string;
  name?: string;
  /** Tests capture lines here to assert that no secret is ever written. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      name: options.name,
      redact: { paths: redactionPaths(), censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination,
  );
}
