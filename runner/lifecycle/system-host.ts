import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** How one command ended; `output` is stdout and stderr together, kept for an error message. */
export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the command could not be started at all (e.g. ENOENT). */
  spawnError?: Error;
  output: string;
}

/**
 * What installing system packages touches on this machine: the narrow port `ensureSystemPackages`
 * uses, so its decisions are unit-tested with an object literal instead of a real apt-get.
 */
export interface SystemHost {
  /** Whether this process may install system packages itself (root). */
  isRoot(): boolean;
  /** The executable `command` resolves to on the PATH, or undefined. */
  findOnPath(command: string): string | undefined;
  isExecutableFile(file: string): boolean;
  /** Runs a command to its end with its output captured, never streamed to the terminal. */
  run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CommandResult>;
}

/** apt-get prints tens of kB; the tail holds the reason it failed. */
const OUTPUT_KEPT_CHARS = 4_000;

export function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `command -v`, without a shell: the PATH of this process decides, as it would for spawn. */
export function findOnPath(command: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVariable.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function runCommand(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT_CHARS);
    };
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (spawnError) => resolve({ exitCode: null, signal: null, spawnError, output }));
    child.once('close', (exitCode, signal) => resolve({ exitCode, signal, output }));
  });
}

export const LOCAL_SYSTEM_HOST: SystemHost = {
  isRoot: () => process.getuid?.() === 0,
  findOnPath: (command) => findOnPath(command),
  isExecutableFile,
  run: runCommand,
};
