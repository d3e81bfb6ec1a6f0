import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { MintCounts, MintGo, MintReport } from './mint-process.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const MINT_PROCESS = fileURLToPath(new URL('./mint-process.ts', import.meta.url));

export interface MintFleetOptions {
  /** Join attempts in all, dealt round-robin over the processes. */
  attempts: number;
  processes: number;
  /** Attempts in flight per process. */
  concurrency: number;
  /** The environment each process's runner config is loaded from (sim URL, prefix, plan, Redis). */
  env: Record<string, string>;
  /** Longest the whole fleet may take once started. */
  timeoutMs: number;
}

export interface MintFleetRun {
  /** From the moment every process was told to go to the last one done. */
  elapsedMs: number;
  processes: MintCounts[];
}

export class MintFleetError extends Error {
  constructor(
    readonly reason: 'process_failed' | 'timed_out',
    message: string,
  ) {
    super(message);
    this.name = 'MintFleetError';
  }
}

/** Variables a developer's shell may hold for a real Zoom: the fleet talks to the sim only. */
function withoutZoomVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('ZOOM_')));
}

interface FleetMember {
  child: ChildProcess;
  ready: Promise<void>;
  done: Promise<MintCounts>;
}

function startMember(env: Record<string, string>): FleetMember {
  const child = spawn(process.execPath, ['--import', 'tsx', MINT_PROCESS], {
    cwd: repoRoot,
    env: { ...withoutZoomVariables(process.env), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const done = new Promise<MintCounts>((resolve, reject) => {
    child.on('message', (message: MintReport) => {
      if (message.type === 'ready') onReady();
      else if (message.type === 'done') resolve(message);
      else reject(new MintFleetError('process_failed', `a mint process failed: ${message.message}`));
    });
    child.once('exit', (code, signal) =>
      reject(
        new MintFleetError('process_failed', `a mint process exited (${code ?? signal}) before it was done`),
      ),
    );
  });
  // Until `go`, a process that dies must also fail the wait for `ready`.
  const readyOrDead = Promise.race([ready, done.then(() => undefined)]);
  done.catch(() => {});
  return { child, ready: readyOrDead, done };
}

/**
 * Starts `processes` mint processes, waits until each has its Redis connection and credentials, then
 * tells them all to go at once and waits for every report. Every process is gone when this returns.
 */
export async function runMintFleet(options: MintFleetOptions): Promise<MintFleetRun> {
  const members = Array.from({ length: options.processes }, () => startMember(options.env));
  try {
    await Promise.all(members.map((m) => m.ready));
    const startedAt = performance.now();
    members.forEach((member, index) => {
      const attempts: number[] = [];
      for (let a = index; a < options.attempts; a += options.processes) attempts.push(a + 1);
      const go: MintGo = { type: 'go', attempts, concurrency: options.concurrency };
      member.child.send(go);
    });
    // Unref'd timers: neither keeps this process alive once the fleet is done.
    const timeout = sleep(options.timeoutMs, undefined, { ref: false }).then(() => {
      throw new MintFleetError('timed_out', `the fleet was not done within ${options.timeoutMs} ms`);
    });
    const processes = await Promise.race([Promise.all(members.map((m) => m.done)), timeout]);
    return { elapsedMs: performance.now() - startedAt, processes };
  } finally {
    await Promise.all(
      members.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        const killed = sleep(5_000, undefined, { ref: false }).then(() => child.kill('SIGKILL'));
        await Promise.race([exited, killed]);
      }),
    );
  }
}
