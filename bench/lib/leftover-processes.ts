import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessRunning } from '../../runner/browser/chromium-processes.js';

/**
 * After a benchmark closed its Chromium (or its worker), waits up to `graceMs` for the processes it
 * listed while they ran to exit, then kills any still there: a benchmark leaves nothing behind.
 * Returns how many had to be killed (a number worth reporting: it should be 0).
 */
export async function reapLeftovers(pids: readonly number[], graceMs = 5_000): Promise<number> {
  const deadline = Date.now() + graceMs;
  let running = pids.filter(isProcessRunning);
  while (running.length > 0 && Date.now() < deadline) {
    await sleep(100);
    running = running.filter(isProcessRunning);
  }
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited between the check and the kill.
    }
  }
  return running.length;
}
