import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly output: string[];
  /** Resolves once the worker logged that it is ready. */
  ready: Promise<void>;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** PIDs of every process below the worker (its Chromium tree). */
  descendants(): number[];
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `zoom-bot-runner worker` as its own process (from source), so a test can kill -9 it. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  return spawnRunner('worker', env, '"msg":"worker ready"');
}

/** `zoom-bot-runner api` as its own process (from source); ready once it logged `api ready`. */
export function spawnApi(env: Record<string, string>): WorkerProcess {
  return spawnRunner('api', env, '"msg":"api ready"');
}

/**
 * `zoom-bot-runner sim --port 0` as its own process, so a benchmark's timings are not taken on the
 * event loop that also serves a thousand participants. Resolves once it listens, with its URL.
 */
export async function spawnSim(env: Record<string, string> = {}): Promise<WorkerProcess & { url: string }> {
  const sim = spawnRunner('sim', env, 'zoom-sim listening on ', ['--port', '0']);
  await sim.ready;
  const url = /zoom-sim listening on (\S+)/.exec(sim.output.join(''))?.[1];
  if (!url) throw new Error(`zoom-sim said no address: ${sim.output.join('')}`);
  return Object.assign(sim, { url });
}

function spawnRunner(
  command: 'worker' | 'api' | 'sim',
  env: Record<string, string>,
  readyLine: string,
  args: string[] = [],
): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'runner/cli/main.ts', command, ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(String(chunk));
      // The address follows the ready text on the same line: wait for the line's end.
      if (
        output
          .join('')
          .split('\n')
          .slice(0, -1)
          .some((line) => line.includes(readyLine))
      )
        resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)));
    child.once('exit', (code) =>
      reject(new Error(`${command} exited (${code}) before ready: ${output.join('')}`)),
    );
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
  });
  return {
    child,
    output,
    ready,
    exited,
    descendants: () => {
      const all: number[] = [];
      const queue = child.pid ? [child.pid] : [];
      while (queue.length > 0) {
        const next = childrenOf(queue.shift() as number);
        all.push(...next);
        queue.push(...next);
      }
      return all;
    },
  };
}
