import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freeMemoryMb, hasCapacity } from '../../runner/browser/free-memory.js';

describe('free memory gate', () => {
  it('reads MemAvailable (not MemFree) from meminfo', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'zbr-meminfo-')), 'meminfo');
    writeFileSync(file, 'MemTotal:  8192000 kB\nMemFree:  102400 kB\nMemAvailable:  2048000 kB\n');
    expect(freeMemoryMb(file)).toBe(2000);
  });

  it('falls back to os.freemem() without meminfo', () => {
    const mb = freeMemoryMb('/nonexistent/meminfo');
    expect(mb).toBeGreaterThan(0);
  });

  it('has capacity only at or above the minimum', () => {
    expect(hasCapacity(500, () => 500)).toBe(true);
    expect(hasCapacity(500, () => 499.9)).toBe(false);
    expect(hasCapacity(0)).toBe(true);
  });
});
