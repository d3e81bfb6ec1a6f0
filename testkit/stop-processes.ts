/**
 * SIGSTOP each process and return those stopped. A process listed a moment ago may be gone (Chromium
 * starts and ends utility processes, the warm pool opens and closes renderers): it is skipped, not an
 * error, so a test freezes the tree as it is now.
 */
export function stopProcesses(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 'SIGSTOP');
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw err;
    }
  });
}
