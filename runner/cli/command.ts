export type Env = Readonly<Record<string, string | undefined>>;

export interface Command {
  summary: string;
  /** Resolves with the exit code, once the command has finished (or shut down on a signal). */
  run(args: string[], env: Env): Promise<number>;
}

/** Bad flags or arguments: printed with usage, exit code 2. */
export class CliUsageError extends Error {
  readonly code = 'usage';
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
