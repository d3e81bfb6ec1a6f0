import type { Logger } from '../log/logger.js';

export type ShutdownStep = readonly [name: string, run: () => Promise<unknown> | undefined];

/** Runs cleanups in order, each in its own try: one failing must not keep Chromium or sockets alive. */
export async function runShutdownSteps(steps: readonly ShutdownStep[], logger: Logger): Promise<void> {
  for (const [name, run] of steps) {
    try {
      await run();
    } catch (error) {
      logger.error({ step: name, err: (error as Error).message }, 'shutdown step failed');
    }
  }
}
