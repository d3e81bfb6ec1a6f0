import { isProcessRunning } from '../../runner/browser/chromium-processes.js';
import { sleep } from './warm-pool.js';

export interface ProcessesGone {
  /** From `sinceMs` until the last of them exited; null when some outlived `timeoutMs`. */
  goneAfterMs: number | null;
  /** Those still running at the timeout: killed by their own pid, and reported. */
  leftover: number[];
}

/**
 * Watches processes listed while their parent ran (a killed worker's Chromium) until every one has
 * exited, then says how long that took; any still running after `timeoutMs` is killed and reported.
 */
export async function watchProcessesGone(
  pids: readonly number[],
  sinceMs: number,
  timeoutMs = 10_000,
): Promise<ProcessesGone> {
  let running = pids.filter(isProcessRunning);
  while (running.length > 0 && Date.now() - sinceMs < timeoutMs) {
    await sleep(25);
    running = running.filter(isProcessRunning);
  }
  if (running.length === 0) return { goneAfterMs: Date.now() - sinceMs, leftover: [] };
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited between the check and the kill.
    }
  }
  return { goneAfterMs: null, leftover: running };
}
