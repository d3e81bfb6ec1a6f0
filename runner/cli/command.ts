import { type ParseArgsConfig, parseArgs } from 'node:util';

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

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;
export type HelpFlag = { help: { type: 'boolean'; short: 'h' } };

/**
 * Parses a command's flags (strict: unknown flags are a usage error) with `-h/--help` added.
 * Returns undefined when help was asked for and printed: the command then exits 0.
 */
export type ParsedFlags<O extends FlagOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & HelpFlag; strict: true }>
>['values'];

export function parseFlags<const O extends FlagOptions>(
  args: string[],
  options: O,
  help: string,
): ParsedFlags<O> | undefined {
  const withHelp: O & HelpFlag = { ...options, help: { type: 'boolean', short: 'h' } };
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O & HelpFlag; strict: true }>>;
  try {
    parsed = parseArgs({ args, options: withHelp, strict: true });
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\n\n${help}`);
  }
  // Generic over O, TypeScript cannot see the added `help` in `values`; it is there.
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(help);
    return undefined;
  }
  return parsed.values;
}
