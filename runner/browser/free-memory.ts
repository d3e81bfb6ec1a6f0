import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

/**
 * Memory a new bot could use, in MB. Linux's `MemAvailable` counts page cache the kernel will give
 * back; `os.freemem()` does not, so on a worker that has run for a while it reads far lower than
 * what is really there (here: 22 361 MB free against 22 989 MB available, on an idle machine), and
 * the WORKER_MIN_FREE_MEMORY_MB gate would close too early. `os.freemem()` only where /proc is absent.
 */
export function freeMemoryMb(meminfoPath = '/proc/meminfo'): number {
  try {
    const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync(meminfoPath, 'utf8'));
    if (match?.[1]) return Number(match[1]) / 1024;
  } catch {
    // Not Linux (or /proc not mounted): fall through.
  }
  return freemem() / 1024 / 1024;
}

/** The worker's gate: take another bot only while at least `minFreeMemoryMb` is available. */
export function hasCapacity(minFreeMemoryMb: number, readFreeMb: () => number = freeMemoryMb): boolean {
  return readFreeMb() >= minFreeMemoryMb;
}
