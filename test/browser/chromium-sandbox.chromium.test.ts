import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { processTree } from '../../runner/browser/chromium-processes.js';
import type { SandboxChoice } from '../../runner/browser/chromium-sandbox.js';

/**
 * CHROMIUM_SANDBOX: which sandbox a launch really got, seen from outside Chromium. A sandboxed
 * Chromium runs its zygote (the parent of every renderer) in a user namespace of its own; without
 * the sandbox every process shares the browser's.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;
/**
 * Run as root, the test starts the pool as `nobody`, who must be able to read the checkout. A clone
 * in a directory only root may enter (`mktemp -d` makes one) cannot show the non-root launch: that
 * test is skipped there, saying why, rather than reporting a sandbox failure that is a file mode.
 */
const otherUserCanRead =
  !isRoot ||
  spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', `${repoRoot}/package.json`]).status === 0;
if (!otherUserCanRead)
  console.warn(
    `chromium-sandbox: ${repoRoot} is not readable by nobody; the non-root launch is not checked here`,
  );
const running: ChildProcess[] = [];

interface Launched {
  choice: SandboxChoice;
  pids: number[];
  uid: number;
}

/** Runs test/browser/fixtures/pool-launch.ts (as `nobody` when asked and we are root). */
function launch(mode: string, asOtherUser: boolean): Promise<Launched> {
  const node = [process.execPath, '--import', 'tsx', 'test/browser/fixtures/pool-launch.ts'];
  const [command, ...args] = asOtherUser && isRoot ? ['runuser', '-u', 'nobody', '--', ...node] : node;
  const child = spawn(command as string, args, {
    cwd: repoRoot,
    env: { ...process.env, CHROMIUM_SANDBOX: mode, HOME: '/tmp' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as Launched);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += String(chunk);
    });
    child.once('exit', (code) => reject(new Error(`pool-launch exited ${code}: ${err.slice(-2000)}`)));
  });
}

function userNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/user`);
  } catch {
    return undefined;
  }
}

/** Namespaces of the browser's descendants that differ from the browser's own. */
function sandboxedDescendants(browserPid: number): number[] {
  const own = userNamespace(browserPid);
  return processTree([browserPid]).filter((pid) => {
    const ns = userNamespace(pid);
    return ns !== undefined && ns !== own;
  });
}

afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin?.end();
    await exited;
  }
});

describe('Chromium sandbox', () => {
  it.runIf(otherUserCanRead)(
    'auto, run as a user other than root: the sandbox is on, the zygote in its own user namespace',
    async () => {
      const launched = await launch('auto', true);
      expect(launched.uid).not.toBe(0);
      expect(launched.choice).toEqual({
        sandbox: true,
        why: expect.stringContaining('CHROMIUM_SANDBOX=auto'),
      });
      const [browser] = launched.pids;
      if (browser === undefined) throw new Error('no browser pid');
      await expect.poll(() => sandboxedDescendants(browser).length, { timeout: 10_000 }).toBeGreaterThan(0);
      const cmdline = readFileSync(`/proc/${browser}/cmdline`, 'utf8');
      expect(cmdline).not.toContain('--no-sandbox');
    },
  );

  it('off: no sandbox, every Chromium process shares the browser’s namespace, and the choice says why', async () => {
    const launched = await launch('off', false);
    expect(launched.choice).toEqual({ sandbox: false, why: 'CHROMIUM_SANDBOX=off' });
    const [browser] = launched.pids;
    if (browser === undefined) throw new Error('no browser pid');
    expect(readFileSync(`/proc/${browser}/cmdline`, 'utf8')).toContain('--no-sandbox');
    expect(processTree([browser]).length).toBeGreaterThan(1);
    expect(sandboxedDescendants(browser)).toEqual([]);
  });

  it.runIf(isRoot)(
    'auto as root: off without trying, and the log reason names root; on as root: refused',
    async () => {
      const auto = await launch('auto', false);
      expect(auto.choice.sandbox).toBe(false);
      expect(auto.choice.why).toContain('root');
      await expect(launch('on', false)).rejects.toThrow(/chromium_unusable|could not be launched/);
    },
  );
});
