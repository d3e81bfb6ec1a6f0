import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the fixture process; `signalOnStart` is sent once it printed `started`. */
function run(env: Record<string, string>, signalOnStart?: NodeJS.Signals) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/runtime/fixtures/signal-process.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let startedAt = 0;
  let signalledAt = 0;
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
    if (!startedAt && stdout.includes('started')) {
      startedAt = Date.now();
      if (signalOnStart) {
        signalledAt = Date.now();
        child.kill(signalOnStart);
      }
    }
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    stopMs: number;
    startedAt: number;
  }>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, stopMs: Date.now() - (signalledAt || startedAt), startedAt });
    }),
  );
}

describe('runUntilSignal', { timeout: 40_000 }, () => {
  it('SIGTERM closes the parts and exits 0', async () => {
    const result = await run({}, 'SIGTERM');
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['started', 'closing', 'closed', 'exit 0']);
    expect(result.code).toBe(0);
  });

  it('a stop that does not finish is cut off at its deadline: exit 1, no later than asked', async () => {
    const result = await run({ HANG_ON_CLOSE: '1', DEADLINE_MS: '1500' }, 'SIGTERM');
    expect(result.stdout).toContain('closing');
    expect(result.stdout).not.toContain('closed');
    expect(result.code).toBe(1);
    expect(result.stopMs).toBeGreaterThanOrEqual(1_400);
    expect(result.stopMs).toBeLessThan(5_000);
    expect(result.stderr).toContain('shutdown did not finish in time');
  });

  it('an unhandled rejection is logged, the parts close, and the process exits 1', async () => {
    const result = await run({ REJECT_AFTER_MS: '100' });
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['started', 'closing', 'closed', 'exit 1']);
    expect(result.code).toBe(1);
    const fatal = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; err: string });
    expect(fatal).toContainEqual(
      expect.objectContaining({ msg: 'unhandled error: stopping', err: 'nobody handles this' }),
    );
  });
});
