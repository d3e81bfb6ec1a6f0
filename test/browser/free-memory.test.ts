import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freeMemoryMb, hasCapacity } from '../../runner/browser/free-memory.js';

const MB = 1024 * 1024;

/** A fake /proc and /sys/fs/cgroup laid out as Linux lays them out. */
function machine(files: Record<string, string>) {
  const root = mkdtempSync(path.join(tmpdir(), 'zbr-memory-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return {
    meminfo: path.join(root, 'proc/meminfo'),
    selfCgroup: path.join(root, 'proc/self/cgroup'),
    cgroupRoot: path.join(root, 'sys/fs/cgroup'),
  };
}

const MEMINFO = 'MemTotal:  8192000 kB\nMemFree:  102400 kB\nMemAvailable:  2048000 kB\n';

describe('free memory gate', () => {
  it('reads MemAvailable (not MemFree) from meminfo when no cgroup limits the process', () => {
    const sources = machine({ 'proc/meminfo': MEMINFO, 'proc/self/cgroup': '0::/\n' });
    expect(freeMemoryMb(sources)).toBe(2000);
  });

  it('inside a container (cgroup v2 limit), what is left under the limit, counting inactive page cache', () => {
    const sources = machine({
      'proc/meminfo': MEMINFO,
      'proc/self/cgroup': '0::/\n',
      'sys/fs/cgroup/memory.max': `${1024 * MB}\n`,
      'sys/fs/cgroup/memory.current': `${900 * MB}\n`,
      'sys/fs/cgroup/memory.stat': `anon ${800 * MB}\ninactive_file ${76 * MB}\nactive_file 0\n`,
    });
    expect(freeMemoryMb(sources)).toBe(200);
  });

  it('cgroup v2 without a limit ("max") leaves MemAvailable', () => {
    const sources = machine({
      'proc/meminfo': MEMINFO,
      'proc/self/cgroup': '0::/system.slice/worker.service\n',
      'sys/fs/cgroup/system.slice/worker.service/memory.max': 'max\n',
      'sys/fs/cgroup/system.slice/worker.service/memory.current': `${900 * MB}\n`,
    });
    expect(freeMemoryMb(sources)).toBe(2000);
  });

  it('cgroup v1: the memory controller of its own cgroup; the smaller of the two wins', () => {
    const own = 'sys/fs/cgroup/memory/kubepods/pod1/worker';
    const sources = machine({
      'proc/meminfo': MEMINFO,
      'proc/self/cgroup': '4:memory:/kubepods/pod1/worker\n3:cpu,cpuacct:/kubepods/pod1/worker\n',
      [`${own}/memory.limit_in_bytes`]: `${3072 * MB}\n`,
      [`${own}/memory.usage_in_bytes`]: `${512 * MB}\n`,
      [`${own}/memory.stat`]: `cache 0\ntotal_inactive_file ${10 * MB}\n`,
    });
    // 3072 − 512 + 10 = 2570 MB under the limit, but the machine has only 2000 available.
    expect(freeMemoryMb(sources)).toBe(2000);
  });

  it('a cgroup over its limit has nothing free', () => {
    const sources = machine({
      'proc/meminfo': MEMINFO,
      'proc/self/cgroup': '0::/\n',
      'sys/fs/cgroup/memory.max': `${100 * MB}\n`,
      'sys/fs/cgroup/memory.current': `${150 * MB}\n`,
    });
    expect(freeMemoryMb(sources)).toBe(0);
  });

  it('falls back to os.freemem() without meminfo', () => {
    const mb = freeMemoryMb({ meminfo: '/nonexistent/meminfo', selfCgroup: '/nonexistent/cgroup' });
    expect(mb).toBeGreaterThan(0);
  });

  it('has capacity only at or above the minimum', () => {
    expect(hasCapacity(500, () => 500)).toBe(true);
    expect(hasCapacity(500, () => 499.9)).toBe(false);
    expect(hasCapacity(0)).toBe(true);
  });
});
