import { readFile } from 'node:fs/promises';

/**
 * Resident memory of the given processes, in bytes: the sum of `VmRSS` from `/proc/<pid>/status`.
 * RSS counts pages shared between Chromium's processes once per process, so this overstates the
 * true footprint (PSS would not), but it is one cheap read per process, fit for sampling on every
 * scrape. A process that exited between listing and reading counts 0. Not Linux: 0.
 */
export async function residentBytes(pids: readonly number[]): Promise<number> {
  const sizes = await Promise.all(pids.map(vmRssBytes));
  return sizes.reduce((sum, size) => sum + size, 0);
}

async function vmRssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}
