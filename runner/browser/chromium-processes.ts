import { readdirSync, readFileSync } from 'node:fs';

/**
 * Chromium's process tree, read from /proc. The browser process is our child; its zygotes, renderers
 * and GPU/utility processes are its descendants. When the browser dies those are re-parented, so
 * the tree must be listed while the browser is alive: that list is what a test checks afterwards.
 * (The two `chrome_crashpad_handler` processes detach to PID 1 at launch and are not in the tree;
 * they exit on their own once the browser is gone and take no part in any meeting.)
 */

interface ProcStat {
  ppid: number;
  state: string;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or ')': parse after the last.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/**
 * Chromium browser processes that are children of `parentPid` (by command name), whether or not a
 * pool knows them yet: a launch still in flight when the process must exit has no pool entry.
 */
export function chromiumChildrenOf(parentPid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parentPid && /^(chromium|chrome)/.test(name)) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** `roots` and all their descendants (only the roots where /proc cannot be read). */
export function processTree(roots: readonly number[]): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [...roots];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(Number(entry));
    children.set(stat.ppid, siblings);
  }
  const out: number[] = [];
  const queue = [...roots];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    if (out.includes(pid)) continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** True while `pid` exists and is not a zombie (an exited process not yet reaped uses no memory). */
export function isProcessRunning(pid: number): boolean {
  const stat = readStat(pid);
  if (stat) return stat.state !== 'Z' && stat.state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
