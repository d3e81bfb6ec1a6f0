import { readFile } from 'node:fs/promises';

/**
 * Proportional set size (PSS): each page a process maps counts divided by the number of processes
 * sharing it, so summing PSS over Chromium's processes gives the tree's true footprint, where RSS
 * would count the shared libraries and the zygote's pages once per renderer.
 */

/** The `Pss:` line of `/proc/<pid>/smaps_rollup`, in bytes; undefined when the text has none. */
export function parsePssBytes(smapsRollup: string): number | undefined {
  const kb = /^Pss:\s+(\d+)\s+kB$/m.exec(smapsRollup)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** One process's PSS in bytes; undefined when it has exited or cannot be read (another user's). */
export async function readPssBytes(pid: number): Promise<number | undefined> {
  try {
    return parsePssBytes(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * `--type=renderer` and the like from a Chromium command line; `browser` for none. Chromium rewrites
 * its children's titles, so `/proc/<pid>/cmdline` may hold spaces rather than NULs between arguments.
 */
export function chromiumProcessType(cmdline: string): string {
  const args = cmdline.split(/[\0 ]+/);
  const typeArg = args.find((arg) => arg.startsWith('--type='));
  if (!typeArg) return 'browser';
  const type = typeArg.slice('--type='.length);
  // Utility processes differ by service (network, storage, audio): name the service.
  const service = args
    .find((arg) => arg.startsWith('--utility-sub-type='))
    ?.slice('--utility-sub-type='.length);
  if (type === 'utility' && service) return `utility:${service.split('.').at(-1)}`;
  // Browser UI rendered as web pages (the omnibox popup): no bot's page, but one per browser context.
  if (type === 'renderer' && args.includes('--top-chrome-webui')) return 'renderer:top-chrome-webui';
  return type;
}

export interface TreePss {
  /** Sum over every process that could be read. */
  bytes: number;
  /** Processes read. */
  processes: number;
  /** Processes listed but gone (or unreadable) by the time they were read. */
  unreadable: number;
  /** Bytes and process count per Chromium process type (`browser`, `renderer`, `zygote`, `gpu-process`...). */
  byType: Record<string, { bytes: number; processes: number }>;
}

/** Sums PSS over `pids`, by Chromium process type. */
export async function treePss(pids: readonly number[]): Promise<TreePss> {
  const result: TreePss = { bytes: 0, processes: 0, unreadable: 0, byType: {} };
  const reads = await Promise.all(
    pids.map(async (pid) => {
      const [bytes, cmdline] = await Promise.all([
        readPssBytes(pid),
        readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
      ]);
      return { bytes, type: chromiumProcessType(cmdline) };
    }),
  );
  for (const { bytes, type } of reads) {
    if (bytes === undefined) {
      result.unreadable++;
      continue;
    }
    result.bytes += bytes;
    result.processes++;
    const entry = result.byType[type] ?? { bytes: 0, processes: 0 };
    entry.bytes += bytes;
    entry.processes++;
    result.byType[type] = entry;
  }
  return result;
}

export const MB = 1024 * 1024;
