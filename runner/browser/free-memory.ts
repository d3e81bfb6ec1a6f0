import { existsSync, readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import path from 'node:path';

export interface MemorySources {
  /** `/proc/meminfo`. */
  meminfo: string;
  /** `/proc/self/cgroup`: which cgroup this process is in. */
  selfCgroup: string;
  /** `/sys/fs/cgroup`: where cgroup v2 (unified) or v1 (`memory/`) is mounted. */
  cgroupRoot: string;
}

const DEFAULT_SOURCES: MemorySources = {
  meminfo: '/proc/meminfo',
  selfCgroup: '/proc/self/cgroup',
  cgroupRoot: '/sys/fs/cgroup',
};

// cgroup v1 writes "no limit" as the largest page-aligned signed 64-bit number.
const UNLIMITED_BYTES = 2 ** 60;

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function statValue(stat: string, key: string): number {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(stat);
  return match?.[1] ? Number(match[1]) : 0;
}

/** The process's cgroup directory, own path first, then the mount root (a cgroup namespace). */
function cgroupDir(base: string, cgroupPath: string | undefined): string | undefined {
  const candidates = cgroupPath !== undefined ? [path.join(base, cgroupPath), base] : [base];
  return candidates.find((dir) => existsSync(dir));
}

/**
 * Bytes left under this process's cgroup memory limit, counting inactive page cache as
 * reclaimable (as the kubelet's working set does); undefined without a limit.
 */
function cgroupAvailableBytes(sources: MemorySources): number | undefined {
  const self = read(sources.selfCgroup) ?? '';
  const v2Path = /^0::(.*)$/m.exec(self)?.[1];
  const v2 = cgroupDir(sources.cgroupRoot, v2Path);
  const v2Max = v2 ? read(path.join(v2, 'memory.max'))?.trim() : undefined;
  if (v2 && v2Max !== undefined) {
    if (v2Max === 'max') return undefined;
    const current = Number(read(path.join(v2, 'memory.current')) ?? 0);
    const inactive = statValue(read(path.join(v2, 'memory.stat')) ?? '', 'inactive_file');
    return Number(v2Max) - current + inactive;
  }
  const v1Path = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$/m.exec(self)?.[1];
  const v1 = cgroupDir(path.join(sources.cgroupRoot, 'memory'), v1Path);
  const v1Limit = v1 ? Number(read(path.join(v1, 'memory.limit_in_bytes')) ?? Number.NaN) : Number.NaN;
  if (!v1 || !Number.isFinite(v1Limit) || v1Limit >= UNLIMITED_BYTES) return undefined;
  const usage = Number(read(path.join(v1, 'memory.usage_in_bytes')) ?? 0);
  const inactive = statValue(read(path.join(v1, 'memory.stat')) ?? '', 'total_inactive_file');
  return v1Limit - usage + inactive;
}

/**
 * Memory a new bot could use, in MB: the smaller of the machine's `MemAvailable` and what is left
 * under the container's cgroup limit. Inside a container /proc/meminfo shows the host, so without
 * the cgroup a worker would take bots until the OOM killer stops it. `MemAvailable` (not
 * `os.freemem()`) because it counts page cache the kernel gives back; `os.freemem()` only where
 * /proc is absent.
 */
export function freeMemoryMb(sources: Partial<MemorySources> = {}): number {
  const all = { ...DEFAULT_SOURCES, ...sources };
  let machineMb = freemem() / 1024 / 1024;
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(read(all.meminfo) ?? '');
  if (match?.[1]) machineMb = Number(match[1]) / 1024;
  const cgroupBytes = cgroupAvailableBytes(all);
  return cgroupBytes === undefined ? machineMb : Math.min(machineMb, Math.max(0, cgroupBytes) / 1024 / 1024);
}

/** The worker's gate: take another bot only while at least `minFreeMemoryMb` is available. */
export function hasCapacity(minFreeMemoryMb: number, readFreeMb: () => number = freeMemoryMb): boolean {
  return readFreeMb() >= minFreeMemoryMb;
}
