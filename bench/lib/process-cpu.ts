import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: `/proc/<pid>/stat` counts CPU time in ticks of 1/100 s on every common build. */
const TICKS_PER_SEC = 100;

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is the 3rd, utime the 14th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / TICKS_PER_SEC;
  } catch {
    return 0;
  }
}

/** CPU ms of each named group of processes, summed: read before and after a window. */
export function cpuByGroup(groups: Record<string, readonly (number | undefined)[]>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(groups).map(([name, pids]) => [
      name,
      pids.reduce<number>((sum, pid) => sum + cpuMs(pid), 0),
    ]),
  );
}
