import type { Logger } from '../log/logger.js';
import { type Runtime, StartAbortedError } from './runtime.js';

const REPEAT_WINDOW_MS = 2_000;

/**
 * SIGINT and SIGTERM, watched from before the first part starts: a stop asked for during start-up
 * unwinds what had started (a private redis-server, its temp dir) instead of killing the process
 * with it. A second signal more than 2 s after the first exits at once (an operator who does not
 * want to wait); within 2 s it is the same Ctrl-C arriving twice (terminal and npm).
 */
export class SignalWatcher {
  readonly first: Promise<NodeJS.Signals>;
  private firstAt: number | undefined;
  private resolveFirst!: (signal: NodeJS.Signals) => void;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.firstAt === undefined) {
      this.firstAt = Date.now();
      this.resolveFirst(signal);
      return;
    }
    if (Date.now() - this.firstAt < REPEAT_WINDOW_MS) return;
    process.stderr.write(`${signal} again: exiting now, without waiting for the shutdown to finish.\n`);
    process.exit(130);
  };

  constructor() {
    this.first = new Promise((resolve) => {
      this.resolveFirst = resolve;
    });
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  dispose(): void {
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
}

export interface RunOptions {
  logger: Logger;
  onStarted?: () => void;
  /**
   * Once a stop is asked for, the process exits by then whatever its parts are doing (Redis down or
   * restarting, Chromium frozen): SHUTDOWN_GRACE_SEC + 5 s for a handoff. What was not handed off by
   * then stays active in the queue for stall recovery; nothing is failed. Unset: no limit (drain).
   */
  stopDeadlineMs?: number | undefined;
  /**
   * After an unhandled error: called before the parts close (a draining worker hands its bots off
   * instead, its state no longer being known to be true), and the deadline that then applies.
   */
  onFatal?: () => void;
  fatalDeadlineMs?: number | undefined;
}

/**
 * Runs a process until SIGINT or SIGTERM: starts its parts, calls `onStarted`, waits for the signal,
 * then closes every part. A failed start rejects after unwinding; a signal during start-up resolves
 * once what had started is closed again. An unhandled rejection or exception anywhere is logged and
 * stops the process the same way, with exit code 1 (the orchestrator restarts it): its state is no
 * longer known to be true. Resolves with the exit code.
 */
export async function runUntilSignal(runtime: Runtime, options: RunOptions): Promise<number> {
  const { logger } = options;
  const signals = new SignalWatcher();
  let exitCode = 0;
  let onFatal!: (error: unknown) => void;
  const fatal = new Promise<string>((resolve) => {
    onFatal = (error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      logger.fatal(
        { process: runtime.name, err: err.message, stack: err.stack },
        'unhandled error: stopping',
      );
      exitCode = 1;
      resolve('unhandled error');
    };
  });
  process.on('unhandledRejection', onFatal);
  process.on('uncaughtException', onFatal);
  try {
    const stopEarly = Promise.race([signals.first, fatal]).then((why) => {
      logger.info({ process: runtime.name, why }, 'stopping');
      const fatalStop = exitCode !== 0;
      if (fatalStop) options.onFatal?.();
      const deadline = fatalStop
        ? (options.fatalDeadlineMs ?? options.stopDeadlineMs)
        : options.stopDeadlineMs;
      if (deadline !== undefined) armDeadline(deadline, logger, runtime.name);
      return runtime.close();
    });
    try {
      await runtime.start();
    } catch (error) {
      if (error instanceof StartAbortedError) {
        await stopEarly;
        return exitCode;
      }
      throw error;
    }
    options.onStarted?.();
    await stopEarly;
    logger.info({ process: runtime.name }, 'stopped');
    return exitCode;
  } finally {
    signals.dispose();
    process.removeListener('unhandledRejection', onFatal);
    process.removeListener('uncaughtException', onFatal);
  }
}

/**
 * The last word on a stop that does not finish: exit anyway. Unref'd, so a stop that finishes in time
 * never waits for it. Chromium goes too: the browser pool kills its process trees on exit.
 */
function armDeadline(ms: number, logger: Logger, name: string): void {
  const timer = setTimeout(() => {
    logger.error({ process: name, ms }, 'shutdown did not finish in time: exiting now');
    process.exit(1);
  }, ms);
  timer.unref();
}

/** The margin past SHUTDOWN_GRACE_SEC that docs/contract.md §12 allows a stopping process. */
const EXIT_MARGIN_MS = 5_000;

/**
 * How long a stop may take: SHUTDOWN_GRACE_SEC + 5 s (less half a second for the exit itself), or no
 * limit for a worker that drains (it waits for its meetings to end, as the operator asked).
 */
export function stopDeadlineMs(
  config: { SHUTDOWN_MODE: 'handoff' | 'drain'; SHUTDOWN_GRACE_SEC: number },
  runsBots: boolean,
): number | undefined {
  if (runsBots && config.SHUTDOWN_MODE === 'drain') return undefined;
  return config.SHUTDOWN_GRACE_SEC * 1000 + EXIT_MARGIN_MS - 500;
}
