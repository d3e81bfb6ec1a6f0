import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isProcessRunning, processTree } from '../../runner/browser/chromium-processes.js';

export interface ChromiumProcess {
  pid: number;
  /** The executable's file name: `chromium`, or `chrome_crashpad_handler`. */
  name: string;
}

/** A process is told apart from a later one with the same PID by its start time (`/proc/<pid>/stat`). */
type ProcessKey = string;

const CRASHPAD = 'chrome_crashpad_handler';

function chromiumProcessesByKey(): Map<ProcessKey, ChromiumProcess> {
  const found = new Map<ProcessKey, ChromiumProcess>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const name = readlinkSync(`/proc/${pid}/exe`).split('/').pop() ?? '';
      if (!name.startsWith('chrom')) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      found.set(`${pid}:${startTime}`, { pid, name });
    } catch {
      // Gone meanwhile, or another user's process: not ours to judge.
    }
  }
  return found;
}

/** The Chromium processes running now (browsers, zygotes, renderers, crashpad handlers). */
export function chromiumSnapshot(): Set<ProcessKey> {
  return new Set(chromiumProcessesByKey().keys());
}

export interface OrphanOptions {
  /**
   * Count crashpad handlers too. They detach to PID 1 at launch and exit once their browser is gone,
   * so they are orphans only once every browser started since `before` should have exited.
   */
  includeCrashpad?: boolean;
  /** Only processes outside this process's tree count (default): a live worker's Chromium is not an orphan. */
  allowOwnTree?: boolean;
}

/**
 * Chromium processes started since `before` that still run and that no process of this test holds:
 * a killed worker's or browser's leftovers, which could keep a ghost bot in a meeting.
 */
export function orphanedChromium(before: Set<ProcessKey>, options: OrphanOptions = {}): ChromiumProcess[] {
  const ours = options.allowOwnTree === false ? new Set<number>() : new Set(processTree([process.pid]));
  return [...chromiumProcessesByKey()]
    .filter(([key]) => !before.has(key))
    .map(([, proc]) => proc)
    .filter((proc) => options.includeCrashpad || proc.name !== CRASHPAD)
    .filter((proc) => !ours.has(proc.pid) && isProcessRunning(proc.pid));
}

/** Waits up to `timeoutMs` for the orphans to exit by themselves; answers those still running. */
export async function lingeringChromium(
  before: Set<ProcessKey>,
  options: OrphanOptions & { timeoutMs?: number } = {},
): Promise<ChromiumProcess[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const orphans = orphanedChromium(before, options);
    if (orphans.length === 0 || Date.now() >= deadline) return orphans;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
