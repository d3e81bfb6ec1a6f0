import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../runner/log/logger.js';

/** A real pino logger whose lines a test can read back (to assert that no secret is ever written). */
export function captureLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}
