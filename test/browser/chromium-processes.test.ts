import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isProcessRunning, processTree } from '../../runner/browser/chromium-processes.js';

describe('process tree', () => {
  it('lists a process and its descendants, and sees them gone once killed', async () => {
    // sh → sleep: a grandchild of this test, like a renderer under Chromium's zygote.
    const shell = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    const pid = shell.pid as number;
    await expect.poll(() => processTree([pid]).length, { timeout: 5_000 }).toBe(2);
    const tree = processTree([pid]);
    expect(tree[0]).toBe(pid);
    expect(tree.every(isProcessRunning)).toBe(true);
    expect(processTree([process.pid])).toEqual(expect.arrayContaining(tree));

    for (const member of [...tree].reverse()) process.kill(member, 'SIGKILL');
    await once(shell, 'exit');
    await expect.poll(() => tree.filter(isProcessRunning), { timeout: 5_000 }).toEqual([]);
  });

  it('treats an unknown pid as not running', () => {
    expect(isProcessRunning(2 ** 22 + 17)).toBe(false);
  });
});
