import { describe, expect, it } from 'vitest';
import { chromiumProcessType, parsePssBytes, treePss } from '../../bench/lib/pss.js';

const ROLLUP = `55a497821000-7ffe75a7b000 ---p 00000000 00:00 0                          [rollup]
Rss:                1736 kB
Pss:                 264 kB
Pss_Dirty:           116 kB
Pss_Anon:            116 kB
Shared_Clean:       1580 kB
`;

describe('PSS from /proc', () => {
  it('reads the Pss line of smaps_rollup in bytes, not Pss_Dirty or Rss', () => {
    expect(parsePssBytes(ROLLUP)).toBe(264 * 1024);
    expect(parsePssBytes('Rss: 10 kB\n')).toBeUndefined();
  });

  it('names Chromium process types whether arguments are NUL- or space-separated', () => {
    expect(chromiumProcessType('/usr/lib/chromium/chromium\0--headless\0--no-sandbox\0')).toBe('browser');
    expect(chromiumProcessType('/usr/lib/chromium/chromium --type=renderer --lang=en-US')).toBe('renderer');
    expect(chromiumProcessType('/usr/lib/chromium/chromium\0--type=zygote\0')).toBe('zygote');
    expect(
      chromiumProcessType(
        '/usr/lib/chromium/chromium --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en',
      ),
    ).toBe('utility:NetworkService');
    expect(
      chromiumProcessType('/usr/lib/chromium/chromium --type=renderer --top-chrome-webui --lang=en'),
    ).toBe('renderer:top-chrome-webui');
  });

  it('sums a live process and counts a missing one as unreadable', async () => {
    const tree = await treePss([process.pid, 2 ** 22 + 12345]);
    expect(tree.processes).toBe(1);
    expect(tree.unreadable).toBe(1);
    // This Node process holds well over a megabyte of its own pages.
    expect(tree.bytes).toBeGreaterThan(1024 * 1024);
    expect(Object.values(tree.byType).reduce((sum, t) => sum + t.bytes, 0)).toBe(tree.bytes);
  });
});
